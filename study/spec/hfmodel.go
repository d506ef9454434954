package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// HFModel is a model file in the Hugging Face cache.
type HFModel struct {
	Repo, Revision, File string
}

var repoRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ParseHFModel parses hf://OWNER/REPO[@REVISION]/FILE.gguf.
func ParseHFModel(addr string) (HFModel, error) {
	rest, ok := strings.CutPrefix(addr, HFPrefix)
	parts := strings.SplitN(rest, "/", 3)
	if !ok || len(parts) < 3 || parts[2] == "" {
		return HFModel{}, fmt.Errorf("%q: want hf://OWNER/REPO[@REVISION]/FILE.gguf", addr)
	}
	name, rev, _ := strings.Cut(parts[1], "@")
	m := HFModel{Repo: parts[0] + "/" + name, Revision: rev, File: parts[2]}
	if m.Revision == "" {
		m.Revision = "main"
	}
	if !repoRe.MatchString(m.Repo) || strings.Contains(m.Revision, "..") {
		return HFModel{}, fmt.Errorf("%q: %q is not a repository id", addr, m.Repo)
	}
	for _, seg := range strings.Split(m.File, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return HFModel{}, fmt.Errorf("%q: bad path segment %q", addr, seg)
		}
	}
	return m, nil
}

// Locate finds the model in huggingface_hub's cache folder hubCache
// (models--OWNER--REPO/snapshots/COMMIT/FILE), as huggingface-cli download
// leaves it; revision is a branch or tag in refs/, or a commit.
func (m HFModel) Locate(hubCache string) (string, error) {
	repoDir := filepath.Join(hubCache, "models--"+strings.ReplaceAll(m.Repo, "/", "--"))
	commit := m.Revision
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(commit) {
		b, err := os.ReadFile(filepath.Join(repoDir, "refs", filepath.FromSlash(m.Revision)))
		if err != nil {
			return "", fmt.Errorf("model %s/%s is not in the Hugging Face cache %s (no refs/%s): download it first, e.g. huggingface-cli download %s %s", m.Repo, m.File, hubCache, m.Revision, m.Repo, m.File)
		}
		commit = strings.TrimSpace(string(b))
	}
	path := filepath.Join(repoDir, "snapshots", commit, filepath.FromSlash(m.File))
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("model %s: %s is not in the Hugging Face cache at %s: download it first, e.g. huggingface-cli download %s %s", m.Repo, m.File, path, m.Repo, m.File)
	}
	return path, nil
}
