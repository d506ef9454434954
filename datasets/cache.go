package datasets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Cache is a huggingface_hub cache folder ($HF_HUB_CACHE). For a dataset
// "owner/name" it holds
//
//	datasets--owner--name/blobs/<etag>                 file contents
//	datasets--owner--name/blobs/<etag>.incomplete     a partial download
//	datasets--owner--name/snapshots/<commit>/<path>   relative symlink to ../../blobs/<etag>
//	datasets--owner--name/refs/<revision>             the commit hash, no newline
//	.locks/datasets--owner--name/<etag>.lock          taken while the blob is written
//
// and the same under models--owner--name for a model when RepoType is
// RepoModel.
type Cache struct {
	Dir string
	// RepoType selects the folders of datasets (the zero value) or models.
	RepoType RepoType
}

// ForType returns the same cache folder seen for repositories of type t.
func (c Cache) ForType(t RepoType) Cache {
	c.RepoType = t
	return c
}

// RepoDir returns the folder of one repository.
func (c Cache) RepoDir(repo string) string {
	return filepath.Join(c.Dir, repoFolderName(c.RepoType, repo))
}

func (c Cache) blobPath(repo, etag string) string {
	return filepath.Join(c.RepoDir(repo), "blobs", etag)
}

func (c Cache) lockPath(repo, etag string) string {
	return filepath.Join(c.Dir, ".locks", repoFolderName(c.RepoType, repo), etag+".lock")
}

// SnapshotDir returns the snapshot folder of a commit.
func (c Cache) SnapshotDir(repo, commit string) string {
	return filepath.Join(c.RepoDir(repo), "snapshots", commit)
}

// PointerPath returns where file p of a commit appears in the snapshot,
// refusing any p that would land outside the snapshot folder.
func (c Cache) PointerPath(repo, commit, p string) (string, error) {
	if err := ValidateRepoPath(p); err != nil {
		return "", fmt.Errorf("%s %s: refusing listed %w", c.RepoType.noun(), repo, err)
	}
	snap := c.SnapshotDir(repo, commit)
	ptr := filepath.Join(snap, filepath.FromSlash(p))
	rel, err := filepath.Rel(snap, ptr)
	if err != nil || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("%s %s: refusing file path %q: it leaves the snapshot folder", c.RepoType.noun(), repo, p)
	}
	return ptr, nil
}

// ReadRef returns the commit a revision points to in the cache. A 40-hex
// revision is a commit already.
func (c Cache) ReadRef(repo, revision string) (string, error) {
	if commitRe.MatchString(revision) {
		return revision, nil
	}
	if err := validateRevision(revision); err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(c.RepoDir(repo), "refs", filepath.FromSlash(revision)))
	if err != nil {
		return "", err
	}
	commit := strings.TrimSpace(string(b))
	if err := validateBlobName("commit hash", commit); err != nil {
		return "", fmt.Errorf("cache ref %s of %s: %w", revision, repo, err)
	}
	return commit, nil
}

// WriteRef records that revision points to commit, as huggingface_hub's
// _cache_commit_hash_for_specific_revision does (only when it changed).
func (c Cache) WriteRef(repo, revision, commit string) error {
	if revision == commit {
		return nil
	}
	if err := validateRevision(revision); err != nil {
		return err
	}
	p := filepath.Join(c.RepoDir(repo), "refs", filepath.FromSlash(revision))
	if b, err := os.ReadFile(p); err == nil && string(b) == commit {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write cache ref %s: %w", p, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".ref-*")
	if err != nil {
		return fmt.Errorf("write cache ref %s: %w", p, err)
	}
	_, werr := tmp.WriteString(commit)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), p)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write cache ref %s: %w", p, werr)
	}
	return nil
}

// link makes snapshots/<commit>/<p> a relative symlink to blobs/<etag>,
// replacing whatever was there atomically.
func (c Cache) link(repo, commit, p, etag string) (string, error) {
	ptr, err := c.PointerPath(repo, commit, p)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(ptr), 0o755); err != nil {
		return "", fmt.Errorf("create snapshot folder for %s: %w", ptr, err)
	}
	target, err := filepath.Rel(filepath.Dir(ptr), c.blobPath(repo, etag))
	if err != nil {
		return "", fmt.Errorf("link %s: %w", ptr, err)
	}
	if cur, err := os.Readlink(ptr); err == nil && cur == target {
		return ptr, nil
	}
	tmp := ptr + ".tmp-link"
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return "", fmt.Errorf("link %s: %w", ptr, err)
	}
	if err := os.Rename(tmp, ptr); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("link %s: %w", ptr, err)
	}
	return ptr, nil
}

// SnapshotFiles lists the files of a cached commit (slash-separated paths
// relative to the snapshot folder), sorted. Symlinks whose blob is missing
// are skipped.
func (c Cache) SnapshotFiles(repo, commit string) ([]string, error) {
	root := c.SnapshotDir(repo, commit)
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		fi, err := os.Stat(p) // follows the symlink to the blob
		if err != nil || !fi.Mode().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("list cached snapshot %s: %w", root, err)
	}
	sort.Strings(out)
	return out, nil
}

// cachedFile returns the local path of p at commit when the snapshot holds
// it and its blob has the expected size (size < 0: any size).
func (c Cache) cachedFile(repo, commit, p string, size int64) (string, bool) {
	ptr, err := c.PointerPath(repo, commit, p)
	if err != nil {
		return "", false
	}
	fi, err := os.Stat(ptr)
	if err != nil || !fi.Mode().IsRegular() || (size >= 0 && fi.Size() != size) {
		return "", false
	}
	return ptr, true
}
