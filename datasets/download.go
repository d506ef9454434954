package datasets

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
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

// VerifyError says a downloaded file does not match its size or hash. The
// partial file is removed: a fresh fetch starts over.
type VerifyError struct {
	What string
	Msg  string
}

func (e *VerifyError) Error() string {
	return e.What + ": " + e.Msg + "; the partial download was removed, fetch again"
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

// verifier hashes the bytes as they are written.
type verifier struct {
	sha    hash.Hash
	git    hash.Hash
	meta   fileMeta
	hashed int64
}

func newVerifier(m fileMeta) *verifier {
	v := &verifier{meta: m}
	v.reset()
	return v
}

func (v *verifier) reset() {
	v.hashed = 0
	v.sha, v.git = nil, nil
	if v.meta.sha256 != "" {
		v.sha = sha256.New()
	}
	if v.meta.gitOID != "" {
		v.git = sha1.New()
		fmt.Fprintf(v.git, "blob %d\x00", v.meta.size)
	}
}

func (v *verifier) Write(p []byte) (int, error) {
	if v.sha != nil {
		v.sha.Write(p)
	}
	if v.git != nil {
		v.git.Write(p)
	}
	v.hashed += int64(len(p))
	return len(p), nil
}

func (v *verifier) check(have int64) string {
	if have != v.meta.size {
		return fmt.Sprintf("size %d, want %d", have, v.meta.size)
	}
	if v.sha != nil {
		if got := hex.EncodeToString(v.sha.Sum(nil)); got != v.meta.sha256 {
			return fmt.Sprintf("sha256 %s, want %s", got, v.meta.sha256)
		}
	}
	if v.git != nil {
		if got := hex.EncodeToString(v.git.Sum(nil)); got != v.meta.gitOID {
			return fmt.Sprintf("git blob id %s, want %s", got, v.meta.gitOID)
		}
	}
	return ""
}

// fetchBlob downloads into blobs/<etag>.incomplete, resuming what is
// there, verifies it and renames it to blobs/<etag>. The caller holds the
// lock.
func (c *Client) fetchBlob(ctx context.Context, m fileMeta, blob, what, name string, relocate func() (string, error)) error {
	inc := blob + ".incomplete"
	f, err := c.openFile(inc, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("%s: create %s: %w", what, inc, err)
	}
	defer f.Close()
	v := newVerifier(m)
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("%s: read %s: %w", what, inc, err)
	}
	if have > m.size {
		if err := truncate(f, inc); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		have = 0
	}
	if have > 0 {
		// Resume: hash what is already on disk.
		n, err := io.Copy(v, io.NewSectionReader(f, 0, have))
		if err == nil && n != have {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return fmt.Errorf("%s: read partial download %s: %w", what, inc, err)
		}
	}
	resumed := have > 0
	prog := c.progress
	if prog == nil {
		prog = noProgress{}
	}
	bar := prog.StartFile(name, m.size, have)
	hp := newHashPipe(v, 4, c.bufSize)
	// An attempt counts as progress only when it gets further than any
	// before it, so a server that keeps restarting or cutting at the same
	// byte still exhausts the retries.
	best := have
	relocations := 0
	err = c.retry.do(ctx, func() (bool, error) {
		err := c.getRange(ctx, m, f, inc, hp, &have, bar, what)
		var el *expiredLocationError
		if errors.As(err, &el) && relocations < 3 {
			relocations++
			loc, rerr := relocate()
			if rerr != nil {
				return false, rerr
			}
			m.location = loc
		}
		progressed := have > best
		best = max(best, have)
		return progressed, err
	})
	if err == nil {
		hp.drain()
		if msg := v.check(have); msg != "" && resumed {
			// The bytes kept from an earlier run may be what is wrong
			// (the file changed, or the disk lied): download it whole once.
			if err = truncate(f, inc); err == nil {
				have, best = 0, 0
				v.reset()
				bar.Restart(0)
				err = c.retry.do(ctx, func() (bool, error) {
					err := c.getRange(ctx, m, f, inc, hp, &have, bar, what)
					progressed := have > best
					best = max(best, have)
					return progressed, err
				})
				hp.drain()
			}
		}
	}
	hp.close()
	if err == nil {
		if msg := v.check(have); msg != "" {
			err = &VerifyError{What: what, Msg: msg}
		}
	}
	if err == nil {
		err = f.Sync()
		if err != nil {
			err = fmt.Errorf("%s: write %s: %w", what, inc, err)
		}
	}
	if err != nil {
		bar.Done(err)
		var ve *VerifyError
		if errors.As(err, &ve) {
			f.Close()
			os.Remove(inc)
		}
		return err
	}
	if err := f.Close(); err != nil {
		bar.Done(err)
		return fmt.Errorf("%s: write %s: %w", what, inc, err)
	}
	if err := os.Chmod(inc, 0o644); err != nil {
		bar.Done(err)
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := os.Rename(inc, blob); err != nil {
		bar.Done(err)
		return fmt.Errorf("%s: %w", what, err)
	}
	syncDir(filepath.Dir(blob))
	bar.Done(nil)
	return nil
}

// syncDir makes a rename in dir durable (best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

func truncate(f *os.File, name string) error {
	if err := f.Truncate(0); err != nil {
		return fmt.Errorf("truncate %s: %w", name, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("truncate %s: %w", name, err)
	}
	return nil
}

// expiredLocationError is a refusal from the download host (not the Hub):
// the signed address is asked for again.
type expiredLocationError struct{ err error }

func (e *expiredLocationError) Error() string { return e.err.Error() }
func (e *expiredLocationError) Unwrap() error { return e.err }

// errStalled ends a request that received nothing for the stall timeout.
var errStalled = errors.New("no data received")

// getRange makes one GET for the bytes from *have on and appends them to
// f. A response that stalls for the client's stall timeout is dropped, to
// be retried.
func (c *Client) getRange(parent context.Context, m fileMeta, f *os.File, inc string, hp *hashPipe, have *int64, bar FileProgress, what string) error {
	if *have == m.size {
		return nil
	}
	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	stall := time.AfterFunc(c.stallTimeout, func() { cancel(errStalled) })
	defer stall.Stop()
	stalled := func(err error) error {
		if parent.Err() == nil && errors.Is(context.Cause(ctx), errStalled) {
			return retryable(fmt.Errorf("%s: %w for %v at byte %d of %d", what, errStalled, c.stallTimeout, *have, m.size))
		}
		return err
	}
	hdr := http.Header{}
	if *have > 0 {
		hdr.Set("Range", fmt.Sprintf("bytes=%d-", *have))
	}
	resp, err := c.send(ctx, http.MethodGet, m.location, hdr, followAll)
	if err != nil {
		return stalled(err)
	}
	defer resp.Body.Close()
	restart := func() error {
		if err := truncate(f, inc); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		*have = 0
		hp.drain()
		hp.v.reset()
		bar.Restart(0)
		return nil
	}
	switch resp.StatusCode {
	case http.StatusPartialContent:
		start, ok := contentRangeStart(resp.Header.Get("Content-Range"))
		if !ok || start != *have {
			// Not the part we asked for: drop the partial file, ask again.
			if err := restart(); err != nil {
				return err
			}
			return retryable(fmt.Errorf("%s: the server sent range %q for bytes=%d-", what, resp.Header.Get("Content-Range"), *have))
		}
	case http.StatusOK:
		if *have > 0 {
			// The server ignored Range: start over cleanly.
			if err := restart(); err != nil {
				return err
			}
		}
	case http.StatusRequestedRangeNotSatisfiable:
		if err := restart(); err != nil {
			return err
		}
		return retryable(fmt.Errorf("%s: the server refused to resume (HTTP 416)", what))
	default:
		err := statusError(resp, what)
		if st := resp.StatusCode; (st == http.StatusForbidden || st == http.StatusUnauthorized || st == http.StatusNotFound || st == http.StatusGone) &&
			!c.sameHost(resp.Request.URL) {
			// The CDN refuses a signed address: it has most likely expired.
			return &retryableError{err: &expiredLocationError{err: err}}
		}
		return err
	}
	flush := writeback{f: f, done: *have}
	for {
		buf := hp.buf()
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if *have+int64(n) > m.size {
				hp.feed(buf[:0])
				return &VerifyError{What: what, Msg: fmt.Sprintf("the server sent more than the announced %d bytes", m.size)}
			}
			w, werr := f.Write(buf[:n])
			hp.feed(buf[:w])
			*have += int64(w)
			bar.Add(w)
			flush.wrote(*have)
			stall.Reset(c.stallTimeout)
			if werr != nil {
				return fmt.Errorf("%s: write %s: %w", what, inc, werr)
			}
		} else {
			hp.feed(buf[:0])
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if parent.Err() != nil {
				return fmt.Errorf("%s: %w", what, context.Cause(parent))
			}
			if err := stalled(nil); err != nil {
				return err
			}
			return retryable(fmt.Errorf("%s: connection lost at byte %d of %d: %w", what, *have, m.size, rerr))
		}
	}
	if *have < m.size {
		return retryable(fmt.Errorf("%s: the server sent %d of %d bytes", what, *have, m.size))
	}
	return nil
}

// contentRangeStart reads the first byte of "bytes START-END/TOTAL".
func contentRangeStart(v string) (int64, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(v), "bytes ")
	if !ok {
		return 0, false
	}
	s, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n >= 0
}
