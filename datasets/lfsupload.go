package datasets

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
)

// lfsMediaType is what the LFS batch and completion calls send and accept
// (huggingface_hub's LFS_HEADERS).
const lfsMediaType = "application/vnd.git-lfs+json"

func lfsHeaders() http.Header {
	return http.Header{"Accept": {lfsMediaType}, "Content-Type": {lfsMediaType}}
}

type lfsAction struct {
	Href   string            `json:"href"`
	Header map[string]string `json:"header"`
}

type lfsObject struct {
	OID     string               `json:"oid"`
	Size    int64                `json:"size"`
	Actions map[string]lfsAction `json:"actions"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// lfsBatch asks the LFS batch API what to send for objects (chunks of 256,
// as huggingface_hub asks): an object without actions is on the Hub
// already.
func (c *Client) lfsBatch(ctx context.Context, t uploadTarget, objs []*uploadItem) (map[string]lfsObject, error) {
	out := map[string]lfsObject{}
	url := c.cfg.Endpoint + "/" + repoTypeURLPrefix(t.repoType) + t.repo + ".git/info/lfs/objects/batch"
	for start := 0; start < len(objs); start += 256 {
		chunk := objs[start:min(start+256, len(objs))]
		type obj struct {
			OID  string `json:"oid"`
			Size int64  `json:"size"`
		}
		payload := map[string]any{"operation": "upload", "transfers": []string{"basic", "multipart"}, "hash_algo": "sha256",
			"ref": map[string]string{"name": t.revision}}
		var list []obj
		for _, it := range chunk {
			list = append(list, obj{OID: it.info.sha256, Size: it.info.size})
		}
		payload["objects"] = list
		body, err := jsonBody(payload)
		if err != nil {
			return nil, err
		}
		var res struct {
			Objects []lfsObject `json:"objects"`
		}
		if err := c.callJSON(ctx, t, "batch", "LFS batch for "+t.repo, request{method: http.MethodPost, url: url, header: lfsHeaders(), body: body, auth: true}, &res); err != nil {
			return nil, err
		}
		for _, o := range res.Objects {
			if o.Error != nil {
				return nil, fmt.Errorf("LFS batch for %s: object %s: %d %s", t.repo, o.OID, o.Error.Code, o.Error.Message)
			}
			for k, a := range o.Actions {
				if a.Href == "" {
					return nil, fmt.Errorf("LFS batch for %s: object %s: %s action without an address", t.repo, o.OID, k)
				}
			}
			out[o.OID] = o
		}
		for _, it := range chunk {
			if _, ok := out[it.info.sha256]; !ok {
				return nil, fmt.Errorf("LFS batch for %s: no answer for %s (%s)", t.repo, it.PathInRepo, it.info.sha256)
			}
		}
	}
	return out, nil
}

// repoTypeURLPrefix is huggingface_hub's REPO_TYPES_URL_PREFIXES.
func repoTypeURLPrefix(t string) string {
	if t == "dataset" {
		return "datasets/"
	}
	return ""
}

// callJSON makes a Hub call with retries (connection errors, 429, 5xx)
// and decodes the JSON answer into out (nil: discarded).
func (c *Client) callJSON(ctx context.Context, t uploadTarget, op, what string, r request, out any) error {
	return c.retry.do(ctx, func() (bool, error) {
		resp, err := c.do(ctx, r)
		if err != nil {
			return false, fmt.Errorf("%s: %w", what, err)
		}
		if resp.StatusCode/100 != 2 {
			return false, t.statusError(resp, op, what)
		}
		defer resp.Body.Close()
		if out == nil {
			io.Copy(io.Discard, resp.Body)
			return false, nil
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(out); err != nil {
			return false, fmt.Errorf("%s: the Hub's answer is not the JSON expected: %v", what, err)
		}
		return false, nil
	})
}

// sendLFS uploads one object as the batch answer says: one PUT (basic) or
// parts (multipart: header.chunk_size and one address per part number,
// then a completion POST with the parts' ETags), then the verify call.
func (c *Client) sendLFS(ctx context.Context, t uploadTarget, it *uploadItem, o lfsObject, bar FileProgress) error {
	up, ok := o.Actions["upload"]
	if !ok {
		return nil // on the Hub already
	}
	href := c.fixEndpoint(up.Href)
	if cs, ok := up.Header["chunk_size"]; ok {
		chunk, err := strconv.ParseInt(cs, 10, 64)
		if err != nil || chunk <= 0 {
			return fmt.Errorf("upload %s: the LFS batch answer's chunk_size %q is not a positive integer", it.PathInRepo, cs)
		}
		if err := c.sendParts(ctx, t, it, href, up.Header, chunk, bar); err != nil {
			return err
		}
	} else if err := c.sendRange(ctx, t, it, http.MethodPut, href, 0, it.info.size, bar, nil); err != nil {
		return err
	}
	if v, ok := o.Actions["verify"]; ok {
		body, err := jsonBody(map[string]any{"oid": it.info.sha256, "size": it.info.size})
		if err != nil {
			return err
		}
		if err := c.callJSON(ctx, t, "verify", "verify "+it.PathInRepo, request{method: http.MethodPost, url: c.fixEndpoint(v.Href), header: lfsHeaders(), body: body, auth: true}, nil); err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) sendParts(ctx context.Context, t uploadTarget, it *uploadItem, complete string, header map[string]string, chunk int64, bar FileProgress) error {
	type part struct {
		n   int
		url string
	}
	var parts []part
	for k, v := range header {
		if n, err := strconv.Atoi(k); err == nil && n > 0 && k == strconv.Itoa(n) {
			parts = append(parts, part{n, v})
		}
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].n < parts[j].n })
	want := (it.info.size + chunk - 1) / chunk
	if int64(len(parts)) != want {
		return fmt.Errorf("upload %s: the LFS batch answer gives %d part addresses for %d bytes in parts of %d (want %d)", it.PathInRepo, len(parts), it.info.size, chunk, want)
	}
	type done struct {
		PartNumber int    `json:"partNumber"`
		ETag       string `json:"etag"`
	}
	var etags []done
	for i, p := range parts {
		if p.n != i+1 {
			return fmt.Errorf("upload %s: part numbers are not 1..%d", it.PathInRepo, len(parts))
		}
		off := int64(i) * chunk
		n := min(chunk, it.info.size-off)
		var etag string
		if err := c.sendRange(ctx, t, it, http.MethodPut, c.fixEndpoint(p.url), off, n, bar, &etag); err != nil {
			return err
		}
		if etag == "" {
			return fmt.Errorf("upload %s: part %d was stored without an ETag", it.PathInRepo, p.n)
		}
		etags = append(etags, done{PartNumber: p.n, ETag: etag})
	}
	body, err := jsonBody(map[string]any{"oid": it.info.sha256, "parts": etags})
	if err != nil {
		return err
	}
	// the completion goes to storage, with LFS headers and no token
	return c.callJSON(ctx, t, "complete", "complete the upload of "+it.PathInRepo, request{method: http.MethodPost, url: complete, header: lfsHeaders(), body: body}, nil)
}

// sendRange PUTs bytes [off, off+n) of the file, retrying connection
// errors and 5xx with backoff; each attempt reopens the file at off, so a
// dropped connection resends that part only. No token goes to storage
// addresses. The ETag of the answer is stored in etag when asked.
func (c *Client) sendRange(ctx context.Context, t uploadTarget, it *uploadItem, method, href string, off, n int64, bar FileProgress, etag *string) error {
	what := fmt.Sprintf("upload %s", it.PathInRepo)
	if etag != nil {
		what = fmt.Sprintf("upload %s bytes %d-%d", it.PathInRepo, off, off+n-1)
	}
	attempt := 0
	return c.retry.do(ctx, func() (bool, error) {
		attempt++
		if attempt > 1 {
			bar.Restart(off)
		}
		var sent int64
		body := func() (io.Reader, int64, error) {
			f, err := os.Open(it.Local)
			if err != nil {
				return nil, 0, fmt.Errorf("%s: %w", what, err)
			}
			if _, err := f.Seek(off, io.SeekStart); err != nil {
				f.Close()
				return nil, 0, fmt.Errorf("%s: %w", what, err)
			}
			var r io.Reader = f
			if off+n < it.info.size {
				r = io.LimitReader(f, n)
			}
			if _, quiet := bar.(noProgress); !quiet {
				r = &progressReader{r: r, bar: bar, sent: &sent}
			}
			if r == io.Reader(f) {
				// a bare *os.File (to its end, no progress bar) lets the
				// kernel send it (sendfile); the transport closes it
				return f, n, nil
			}
			return readCloser{r, f}, n, nil
		}
		resp, err := c.do(ctx, request{method: method, url: href, body: body})
		if err != nil {
			return sent > 0, err
		}
		if resp.StatusCode/100 != 2 {
			return false, t.statusError(resp, "upload", what)
		}
		if etag != nil {
			*etag = resp.Header.Get("ETag")
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		return true, nil
	})
}

// progressReader reports what the transport reads from the file.
type progressReader struct {
	r    io.Reader
	bar  FileProgress
	sent *int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		*p.sent += int64(n)
		p.bar.Add(n)
	}
	return n, err
}

// readCloser reads r and closes the file under it.
type readCloser struct {
	io.Reader
	f *os.File
}

func (r readCloser) Close() error { return r.f.Close() }
