package datasets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// RepoFile is one file of a dataset repository at some revision.
type RepoFile struct {
	// Revision is the branch, tag or commit the file was listed at.
	Revision string `json:"revision"`
	// Path is slash-separated, relative to the repository root.
	Path string `json:"path"`
	// Size in bytes (the LFS object's size for LFS files); -1 if unknown.
	Size int64 `json:"size"`
	// OID is the git blob id.
	OID string `json:"oid,omitempty"`
	// SHA256 is the LFS object id, when the file is stored in LFS.
	SHA256 string `json:"sha256,omitempty"`
	// RepoType is the repository's type for Download: a dataset (the
	// zero value) or RepoModel.
	RepoType RepoType `json:"repo_type,omitempty"`
}

// treeEntry is one element of /api/datasets/{repo}/tree/{revision}/{path}.
type treeEntry struct {
	Type string `json:"type"`
	OID  string `json:"oid"`
	Size int64  `json:"size"`
	Path string `json:"path"`
	LFS  *struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	} `json:"lfs"`
}

// parseTreePage decodes one page of a tree listing into files (folders
// are dropped), refusing any path that could escape the cache.
func parseTreePage(body []byte, revision string) ([]RepoFile, error) {
	var entries []treeEntry
	if err := json.Unmarshal(body, &entries); err != nil {
		return nil, fmt.Errorf("decode tree listing: %w", err)
	}
	out := make([]RepoFile, 0, len(entries))
	for i, e := range entries {
		if e.Type == "directory" {
			continue
		}
		if e.Type != "file" {
			return nil, fmt.Errorf("tree listing entry %d (%q): unknown type %q", i, e.Path, e.Type)
		}
		if err := ValidateRepoPath(e.Path); err != nil {
			return nil, fmt.Errorf("tree listing entry %d: refusing %w", i, err)
		}
		f := RepoFile{Revision: revision, Path: e.Path, Size: e.Size, OID: e.OID}
		if e.LFS != nil {
			f.Size = e.LFS.Size
			f.SHA256 = strings.ToLower(e.LFS.OID)
			if !sha256Re.MatchString(f.SHA256) {
				return nil, fmt.Errorf("tree listing entry %d (%q): LFS oid %q is not a sha256", i, e.Path, e.LFS.OID)
			}
		}
		if f.Size < 0 {
			return nil, fmt.Errorf("tree listing entry %d (%q): negative size %d", i, e.Path, f.Size)
		}
		out = append(out, f)
	}
	return out, nil
}

var linkPartRe = regexp.MustCompile(`^\s*<([^>]*)>\s*((?:;\s*[^;]*)*)$`)

// nextLink returns the target of the rel="next" element of a Link header
// (RFC 8288), or "" when there is none.
func nextLink(values []string) (string, error) {
	for _, v := range values {
		for _, part := range splitLink(v) {
			m := linkPartRe.FindStringSubmatch(part)
			if m == nil {
				return "", fmt.Errorf("bad Link header element %q", part)
			}
			for _, param := range strings.Split(m[2], ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return m[1], nil
					}
				}
			}
		}
	}
	return "", nil
}

// splitLink splits a Link header on the commas between elements (commas
// inside <...> or quotes do not count).
func splitLink(v string) []string {
	var parts []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '<':
			if !quoted {
				depth++
			}
		case '>':
			if !quoted && depth > 0 {
				depth--
			}
		case '"':
			if depth == 0 {
				quoted = !quoted
			}
		case ',':
			if depth == 0 && !quoted {
				if s := strings.TrimSpace(v[start:i]); s != "" {
					parts = append(parts, s)
				}
				start = i + 1
			}
		}
	}
	if s := strings.TrimSpace(v[start:]); s != "" {
		parts = append(parts, s)
	}
	return parts
}

// ListTree lists every file under dir (recursively) of a dataset at a
// revision, following the Link header across pages. dir "" is the root.
func (c *Client) ListTree(ctx context.Context, repo, revision, dir string) ([]RepoFile, error) {
	if err := ValidateRepoID(repo); err != nil {
		return nil, err
	}
	if err := validateRevision(revision); err != nil {
		return nil, err
	}
	if c.cfg.Offline {
		return nil, &OfflineError{What: fmt.Sprintf("list dataset %s at %s", repo, revision)}
	}
	p := "/api/datasets/" + repo + "/tree/" + url.PathEscape(revision)
	if dir != "" {
		if err := ValidateRepoPath(dir); err != nil {
			return nil, err
		}
		p += "/" + escapePath(dir)
	}
	next := c.urlFor(p + "?recursive=true&expand=false")
	what := fmt.Sprintf("list dataset %s at revision %s, folder %q", repo, revision, dir)
	var files []RepoFile
	for pages := 0; next != ""; pages++ {
		if pages > 100000 {
			return nil, fmt.Errorf("%s: more than 100000 pages", what)
		}
		var body []byte
		var link []string
		err := c.retry.do(ctx, func() (bool, error) {
			resp, err := c.send(ctx, http.MethodGet, next, nil, followAll)
			if err != nil {
				return false, err
			}
			if resp.StatusCode != http.StatusOK {
				return false, statusError(resp, what)
			}
			defer resp.Body.Close()
			body, err = io.ReadAll(io.LimitReader(resp.Body, 256<<20))
			if err != nil {
				return false, retryable(fmt.Errorf("%s: read: %w", what, err))
			}
			link = resp.Header.Values("Link")
			return true, nil
		})
		if err != nil {
			return nil, err
		}
		page, err := parseTreePage(body, revision)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		files = append(files, page...)
		n, err := nextLink(link)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		next, err = c.rebase(next, n)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	return files, nil
}

// rebase resolves a next-page link against the current address and keeps
// it on the endpoint: a link to another host is refused, since the request
// carries the token.
func (c *Client) rebase(cur, link string) (string, error) {
	if link == "" {
		return "", nil
	}
	cu, err := url.Parse(cur)
	if err != nil {
		return "", err
	}
	nu, err := cu.Parse(link)
	if err != nil {
		return "", fmt.Errorf("bad next-page link %q: %w", link, err)
	}
	if !c.sameHost(nu) {
		// Some mirrors answer with the upstream host in Link: keep our own.
		nu.Scheme, nu.Host = c.base.Scheme, c.base.Host
	}
	return nu.String(), nil
}

// ParquetBranch is the branch where the Hub's converter stores parquet
// copies of every dataset.
const ParquetBranch = "refs/convert/parquet"

// ListParquet asks /api/datasets/{repo}/parquet/{config}/{split} for the
// converted parquet files of a split and returns them as files of the
// refs/convert/parquet branch, in the order the Hub lists them. Sizes are
// unknown (-1) until download.
func (c *Client) ListParquet(ctx context.Context, repo, config, split string) ([]RepoFile, error) {
	if err := ValidateRepoID(repo); err != nil {
		return nil, err
	}
	if config == "" || split == "" {
		return nil, errors.New("the parquet listing needs a config and a split")
	}
	if c.cfg.Offline {
		return nil, &OfflineError{What: fmt.Sprintf("list the parquet files of %s config %s split %s", repo, config, split)}
	}
	what := fmt.Sprintf("list parquet files of dataset %s config %q split %q", repo, config, split)
	apiPrefix := "/api/datasets/" + repo + "/parquet/"
	addr := c.urlFor(apiPrefix + url.PathEscape(config) + "/" + url.PathEscape(split))
	var urls []string
	err := c.retry.do(ctx, func() (bool, error) {
		resp, err := c.send(ctx, http.MethodGet, addr, nil, followAll)
		if err != nil {
			return false, err
		}
		if resp.StatusCode != http.StatusOK {
			return false, statusError(resp, what)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&urls); err != nil {
			return false, fmt.Errorf("%s: decode: %w", what, err)
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	files := make([]RepoFile, 0, len(urls))
	for _, raw := range urls {
		rev, p, err := c.locateParquet(ctx, repo, raw, what)
		if err != nil {
			return nil, err
		}
		files = append(files, RepoFile{Revision: rev, Path: p, Size: -1})
	}
	return files, nil
}

// locateParquet maps one URL of the parquet listing to a revision and
// path: a /resolve/ address is read directly; an API address
// (/api/datasets/R/parquet/C/S/N.parquet) is asked, without following,
// where it redirects.
func (c *Client) locateParquet(ctx context.Context, repo, raw, what string) (string, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("%s: bad URL %q: %w", what, raw, err)
	}
	if rev, p, ok := parseResolvePath(u.EscapedPath(), repo); ok {
		return rev, p, nil
	}
	if !strings.HasPrefix(u.Path, "/api/datasets/"+repo+"/parquet/") {
		return "", "", fmt.Errorf("%s: unexpected URL %q", what, redact(u))
	}
	addr := c.urlFor(u.EscapedPath())
	var rev, p string
	err = c.retry.do(ctx, func() (bool, error) {
		resp, err := c.send(ctx, http.MethodGet, addr, nil, followNone) // GET: the API may not answer HEAD
		if err != nil {
			return false, err
		}
		if resp.StatusCode < 300 || resp.StatusCode > 399 {
			if resp.StatusCode >= 400 {
				return false, statusError(resp, what+": "+u.Path)
			}
			resp.Body.Close()
			return false, fmt.Errorf("%s: %s answered %d, not a redirect to the parquet branch", what, u.Path, resp.StatusCode)
		}
		resp.Body.Close()
		loc, err := u.Parse(resp.Header.Get("Location"))
		if err != nil {
			return false, fmt.Errorf("%s: bad redirect from %s: %w", what, u.Path, err)
		}
		var ok bool
		rev, p, ok = parseResolvePath(loc.EscapedPath(), repo)
		if !ok {
			return false, fmt.Errorf("%s: %s redirects to %q, not a file of %s", what, u.Path, redact(loc), repo)
		}
		return true, nil
	})
	return rev, p, err
}

// parseResolvePath reads /datasets/{repo}/resolve/{revision}/{path} from
// an escaped URL path (the revision is one escaped segment).
func parseResolvePath(escaped, repo string) (rev, p string, ok bool) {
	prefix := "/datasets/" + repo + "/resolve/"
	if !strings.HasPrefix(escaped, prefix) {
		return "", "", false
	}
	rest := escaped[len(prefix):]
	revEsc, pathEsc, found := strings.Cut(rest, "/")
	if !found {
		return "", "", false
	}
	rev, err1 := url.PathUnescape(revEsc)
	p, err2 := url.PathUnescape(pathEsc)
	if err1 != nil || err2 != nil || validateRevision(rev) != nil || ValidateRepoPath(p) != nil {
		return "", "", false
	}
	return rev, p, true
}

// OfflineError says that HF_HUB_OFFLINE=1 forbids a network request and
// the cache lacks what was needed.
type OfflineError struct {
	What    string
	Missing string
}

func (e *OfflineError) Error() string {
	s := "offline mode (HF_HUB_OFFLINE=1): cannot " + e.What
	if e.Missing != "" {
		s += "; the cache has no " + e.Missing
	}
	return s + "; fetch it once online or unset HF_HUB_OFFLINE"
}
