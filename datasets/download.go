package datasets

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// File is a dataset file present in the cache.
type File struct {
	Repo     string `json:"repo"`
	Revision string `json:"revision"`
	Commit   string `json:"commit"`
	Path     string `json:"path"`
	// LocalPath is the file's path in the snapshot folder (a symlink to
	// its blob).
	LocalPath string `json:"local_path"`
	Size      int64  `json:"size"`
	// SHA256 is set for LFS files (their blob name).
	SHA256 string `json:"sha256,omitempty"`
	// Etag names the blob: the sha256 for LFS files, else the git blob id.
	Etag string `json:"etag"`
	// Downloaded is false when the file was already in the cache.
	Downloaded bool `json:"downloaded"`
}

// fileMeta is what a HEAD on /resolve/ tells about a file.
type fileMeta struct {
	commit   string
	etag     string
	size     int64
	location string // where to GET the bytes (a CDN for LFS files)
	sha256   string // expected sha256 of the content, if known
	gitOID   string // expected git blob id, if known
}

// Download puts one file of a dataset (or, with rf.RepoType RepoModel, of
// a model) into the cache and returns where it is. rf.Revision "" means
// main. A file already in the cache (by calibkit
// or huggingface_hub) is not fetched again.
func (c *Client) Download(ctx context.Context, repo string, rf RepoFile) (File, error) {
	if err := ValidateRepoID(repo); err != nil {
		return File{}, err
	}
	rev := rf.Revision
	if rev == "" {
		rev = "main"
	}
	if err := validateRevision(rev); err != nil {
		return File{}, err
	}
	noun := rf.RepoType.noun()
	if err := ValidateRepoPath(rf.Path); err != nil {
		return File{}, fmt.Errorf("%s %s: refusing %w", noun, repo, err)
	}
	cache := c.cache.ForType(rf.RepoType)
	what := fmt.Sprintf("%s %s revision %s file %s", noun, repo, rev, rf.Path)
	res := File{Repo: repo, Revision: rev, Path: rf.Path}

	if commitRe.MatchString(rev) {
		if p, ok := cache.cachedFile(repo, rev, rf.Path, -1); ok {
			return c.fromCache(res, rev, p)
		}
	}
	if c.cfg.Offline {
		return c.offlineFile(cache, res, what)
	}
	meta, err := c.head(ctx, repo, rev, rf, what)
	if err != nil {
		var he *HTTPError
		if !errors.As(err, &he) || he.Status >= 500 || he.Status == http.StatusTooManyRequests {
			// The Hub is unreachable: like huggingface_hub, serve the
			// cached copy of this revision if there is one.
			if commit, rerr := cache.ReadRef(repo, rev); rerr == nil {
				if p, ok := cache.cachedFile(repo, commit, rf.Path, -1); ok {
					return c.fromCache(res, commit, p)
				}
			}
		}
		return File{}, err
	}
	res.Commit, res.Size, res.Etag, res.SHA256 = meta.commit, meta.size, meta.etag, meta.sha256
	if _, err := cache.PointerPath(repo, meta.commit, rf.Path); err != nil {
		return File{}, err
	}
	if err := cache.WriteRef(repo, rev, meta.commit); err != nil {
		return File{}, err
	}
	if p, ok := cache.cachedFile(repo, meta.commit, rf.Path, meta.size); ok {
		res.LocalPath = p
		return res, nil
	}
	blob := cache.blobPath(repo, meta.etag)
	if err := os.MkdirAll(filepath.Dir(blob), 0o755); err != nil {
		return File{}, fmt.Errorf("%s: create cache folder: %w", what, err)
	}
	var waiting func()
	if w, ok := c.progress.(LockWaiter); ok {
		waiting = func() { w.WaitingForLock(rf.Path) }
	}
	unlock, err := lockFile(ctx, cache.lockPath(repo, meta.etag), c.lockPoll, waiting)
	if err != nil {
		return File{}, fmt.Errorf("%s: %w", what, err)
	}
	defer unlock()
	if fi, err := os.Stat(blob); err == nil && fi.Size() == meta.size {
		// Already there, or another process wrote it while we waited.
		p, err := cache.link(repo, meta.commit, rf.Path, meta.etag)
		res.LocalPath = p
		return res, err
	}
	// A signed CDN address can expire during a long resume: ask the Hub
	// for a fresh one, for the same object.
	relocate := func() (string, error) {
		nm, err := c.head(ctx, repo, rev, rf, what)
		if err != nil {
			return "", err
		}
		if nm.etag != meta.etag || nm.size != meta.size {
			return "", fmt.Errorf("%s: the file changed on the Hub during the download (etag %s, was %s); fetch again", what, nm.etag, meta.etag)
		}
		return nm.location, nil
	}
	if err := c.fetchBlob(ctx, meta, blob, what, rf.Path, relocate); err != nil {
		return File{}, err
	}
	p, err := cache.link(repo, meta.commit, rf.Path, meta.etag)
	if err != nil {
		return File{}, err
	}
	res.LocalPath, res.Downloaded = p, true
	return res, nil
}

func (c *Client) fromCache(res File, commit, p string) (File, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return File{}, fmt.Errorf("read cached %s: %w", p, err)
	}
	res.Commit, res.LocalPath, res.Size = commit, p, fi.Size()
	if target, err := os.Readlink(p); err == nil {
		res.Etag = target[strings.LastIndexByte(target, '/')+1:]
		if sha256Re.MatchString(res.Etag) {
			res.SHA256 = res.Etag
		}
	}
	return res, nil
}

func (c *Client) offlineFile(cache Cache, res File, what string) (File, error) {
	commit, err := cache.ReadRef(res.Repo, res.Revision)
	if err != nil {
		return File{}, &OfflineError{What: "fetch " + what, Missing: "ref for revision " + res.Revision + " of " + res.Repo + " under " + cache.RepoDir(res.Repo)}
	}
	p, ok := cache.cachedFile(res.Repo, commit, res.Path, -1)
	if !ok {
		ptr, _ := cache.PointerPath(res.Repo, commit, res.Path)
		return File{}, &OfflineError{What: "fetch " + what, Missing: ptr}
	}
	return c.fromCache(res, commit, p)
}

// head asks /datasets/{repo}/resolve/{rev}/{path} (/{repo}/resolve/... for
// a model) for the file's commit,
// etag, size and download location, following only relative redirects
// (a renamed repo), as huggingface_hub's get_hf_file_metadata does.
func (c *Client) head(ctx context.Context, repo, rev string, rf RepoFile, what string) (fileMeta, error) {
	addr := c.urlFor(rf.RepoType.urlPrefix() + repo + "/resolve/" + url.PathEscape(rev) + "/" + escapePath(rf.Path))
	var m fileMeta
	err := c.retry.do(ctx, func() (bool, error) {
		resp, err := c.send(ctx, http.MethodHead, addr, nil, followRelative)
		if err != nil {
			return false, err
		}
		if resp.StatusCode >= 400 {
			return false, statusError(resp, what)
		}
		resp.Body.Close()
		h := resp.Header
		m = fileMeta{commit: h.Get("X-Repo-Commit")}
		m.etag = normalizeEtag(h.Get("X-Linked-Etag"))
		if m.etag == "" {
			m.etag = normalizeEtag(h.Get("ETag"))
		}
		sz := h.Get("X-Linked-Size")
		if sz == "" {
			sz = h.Get("Content-Length")
		}
		if m.commit == "" {
			return false, fmt.Errorf("%s: the answer has no X-Repo-Commit header: is HF_ENDPOINT a Hugging Face Hub?", what)
		}
		if err := validateBlobName("commit hash", m.commit); err != nil {
			return false, fmt.Errorf("%s: %w", what, err)
		}
		if err := validateBlobName("etag", m.etag); err != nil {
			return false, fmt.Errorf("%s: %w", what, err)
		}
		size, err := strconv.ParseInt(sz, 10, 64)
		if err != nil || size < 0 {
			return false, fmt.Errorf("%s: the answer has no usable size (X-Linked-Size %q, Content-Length %q)", what, h.Get("X-Linked-Size"), h.Get("Content-Length"))
		}
		m.size = size
		m.location = resp.Request.URL.String()
		if resp.StatusCode >= 300 {
			loc, err := resp.Request.URL.Parse(h.Get("Location"))
			if err != nil {
				return false, fmt.Errorf("%s: bad redirect: %w", what, err)
			}
			m.location = loc.String()
		}
		return true, nil
	})
	if err != nil {
		return fileMeta{}, err
	}
	if sha256Re.MatchString(m.etag) {
		m.sha256 = m.etag
	} else if gitObjectRe.MatchString(m.etag) && rf.OID == m.etag && rf.SHA256 == "" {
		m.gitOID = m.etag
	}
	if rf.Size >= 0 && rf.SHA256 != "" && rf.SHA256 == m.sha256 && rf.Size != m.size {
		return fileMeta{}, fmt.Errorf("%s: the listing says %d bytes, the download headers %d", what, rf.Size, m.size)
	}
	return m, nil
}
