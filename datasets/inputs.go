package datasets

import (
	"context"
	"fmt"
	"strings"
)

// HFPrefix starts a dataset address: hf://datasets/OWNER/NAME[@REV]/PATH-GLOB.
const HFPrefix = "hf://datasets/"

// HFAddress is a parsed hf://datasets/ address.
type HFAddress struct {
	Repo     string
	Revision string // "" means main
	Glob     string // path glob inside the repository (see MatchGlob)
}

// ParseHFAddress reads hf://datasets/OWNER/NAME[@REV]/PATH-GLOB. The
// revision may be URL-escaped (refs%2Fconvert%2Fparquet) or "~parquet",
// as in huggingface_hub's HfFileSystem paths.
func ParseHFAddress(s string) (HFAddress, error) {
	rest, ok := strings.CutPrefix(s, HFPrefix)
	if !ok {
		return HFAddress{}, fmt.Errorf("%q: want hf://datasets/OWNER/NAME[@REV]/PATH-GLOB", s)
	}
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) < 3 || parts[2] == "" {
		return HFAddress{}, fmt.Errorf("%q: want hf://datasets/OWNER/NAME[@REV]/PATH-GLOB (a path inside the dataset is missing)", s)
	}
	name, rev, _ := strings.Cut(parts[1], "@")
	a := HFAddress{Repo: parts[0] + "/" + name, Glob: parts[2]}
	if rev == "~parquet" { // HfFileSystem's alias for the converted branch
		rev = ParquetBranch
	}
	if rev != "" {
		a.Revision = strings.NewReplacer("%2F", "/", "%2f", "/").Replace(rev)
		if err := validateRevision(a.Revision); err != nil {
			return HFAddress{}, fmt.Errorf("%q: %w", s, err)
		}
	}
	if err := ValidateRepoID(a.Repo); err != nil {
		return HFAddress{}, fmt.Errorf("%q: %w", s, err)
	}
	if err := ValidateGlob(a.Glob); err != nil {
		return HFAddress{}, fmt.Errorf("%q: %w", s, err)
	}
	for _, seg := range strings.Split(a.Glob, "/") {
		if seg == ".." || seg == "." || seg == "" {
			return HFAddress{}, fmt.Errorf("%q: bad path segment %q", s, seg)
		}
	}
	return a, nil
}

// ResolveInputs turns command inputs into local paths: each
// hf://datasets/... pattern is listed and its matching files are fetched
// through the cache (their snapshot paths replace it, sorted); any other
// pattern is passed through unchanged, for the caller to expand. c may be
// nil: a client from the environment is made when an hf:// pattern needs it.
func ResolveInputs(ctx context.Context, c *Client, patterns []string) ([]string, error) {
	var out []string
	for _, p := range patterns {
		if !strings.HasPrefix(p, "hf://") {
			out = append(out, p)
			continue
		}
		a, err := ParseHFAddress(p)
		if err != nil {
			return nil, err
		}
		if c == nil {
			if c, err = NewClientFromEnv(); err != nil {
				return nil, err
			}
		}
		files, err := c.Fetch(ctx, Request{Repo: a.Repo, Revision: a.Revision, Include: []string{a.Glob}, Jobs: 2})
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", p, err)
		}
		for _, f := range files {
			out = append(out, f.LocalPath)
		}
	}
	return out, nil
}
