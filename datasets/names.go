package datasets

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

var (
	repoPartRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
	safeNameRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	commitRe    = regexp.MustCompile(`^[0-9a-f]{40}$`)
	sha256Re    = regexp.MustCompile(`^[0-9a-f]{64}$`)
	gitObjectRe = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// ValidateRepoID checks a dataset id of the form "owner/name" (or a bare
// legacy "name").
func ValidateRepoID(repo string) error {
	parts := strings.Split(repo, "/")
	if len(parts) > 2 {
		return fmt.Errorf("dataset %q: want OWNER/NAME", repo)
	}
	for _, p := range parts {
		if !repoPartRe.MatchString(p) || strings.Contains(p, "--") || strings.HasSuffix(p, ".") {
			return fmt.Errorf("dataset %q: want OWNER/NAME made of letters, digits, '.', '_' and '-'", repo)
		}
	}
	return nil
}

// RepoType is the kind of Hub repository a file comes from; the zero
// value is a dataset.
type RepoType string

// The repository types the client fetches from.
const (
	RepoDataset RepoType = ""
	RepoModel   RepoType = "model"
)

// plural is the word huggingface_hub puts before the repo id in cache
// folder names: "datasets" or "models".
func (t RepoType) plural() string {
	if t == RepoModel {
		return "models"
	}
	return "datasets"
}

// urlPrefix is what comes before the repo id in /resolve/ addresses:
// "/datasets/" for datasets, "/" for models.
func (t RepoType) urlPrefix() string {
	if t == RepoModel {
		return "/"
	}
	return "/datasets/"
}

// noun names the repository in messages.
func (t RepoType) noun() string {
	if t == RepoModel {
		return "model"
	}
	return "dataset"
}

// repoFolderName is huggingface_hub's repo_folder_name:
// "datasets--owner--name" or "models--owner--name".
func repoFolderName(t RepoType, repo string) string {
	return t.plural() + "--" + strings.ReplaceAll(repo, "/", "--")
}

// ValidateRepoPath refuses a path inside a repository that is empty,
// absolute, holds "." or ".." segments, empty segments, backslashes or NUL:
// anything that could place a file outside the snapshot folder.
func ValidateRepoPath(p string) error {
	if p == "" {
		return fmt.Errorf("empty file path")
	}
	if strings.HasPrefix(p, "/") {
		return fmt.Errorf("file path %q is absolute", p)
	}
	if strings.ContainsAny(p, "\\\x00") {
		return fmt.Errorf("file path %q holds a backslash or NUL", p)
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "":
			return fmt.Errorf("file path %q has an empty segment", p)
		case ".", "..":
			return fmt.Errorf("file path %q has a %q segment", p, seg)
		}
	}
	if path.Clean(p) != p {
		return fmt.Errorf("file path %q is not clean", p)
	}
	return nil
}

// validateRevision checks a branch, tag or commit name used as a folder
// under refs/ (it may hold slashes, as refs/convert/parquet does).
func validateRevision(rev string) error {
	if rev == "" {
		return fmt.Errorf("empty revision")
	}
	if err := ValidateRepoPath(rev); err != nil {
		return fmt.Errorf("revision %q: %w", rev, err)
	}
	return nil
}

// validateBlobName checks an etag or commit hash coming from the server
// before it becomes a file name in the cache.
func validateBlobName(kind, v string) error {
	if !safeNameRe.MatchString(v) {
		return fmt.Errorf("server sent an unusable %s %q", kind, v)
	}
	return nil
}

// normalizeEtag is huggingface_hub's _normalize_etag: drop a weak "W/"
// prefix and the quotes.
func normalizeEtag(e string) string {
	e = strings.TrimPrefix(strings.TrimSpace(e), "W/")
	return strings.Trim(e, `"`)
}
