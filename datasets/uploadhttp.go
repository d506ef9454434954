package datasets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/calibkit/calibkit/internal/version"
)

// UploadError is a refusal from the Hub during an upload, with what to do
// about it.
type UploadError struct {
	Status  int
	Code    string // X-Error-Code
	Message string // the Hub's own words
	What    string // the call: "create model repo owner/name", "commit to ..."
	Hint    string
}

func (e *UploadError) Error() string {
	msg := ""
	if e.Message != "" {
		msg = " (" + e.Message + ")"
	}
	hint := ""
	if e.Hint != "" {
		hint = ": " + e.Hint
	}
	return fmt.Sprintf("%s: HTTP %d%s%s", e.What, e.Status, hint, msg)
}

// uploadTarget names the repository of an upload, for messages.
type uploadTarget struct {
	repo, repoType, revision string
}

// hint says what to do about a refusal.
func (t uploadTarget) hint(status int, code, op string) string {
	switch status {
	case http.StatusUnauthorized:
		return "the token is missing or not valid: set HF_TOKEN to a token with write access (https://huggingface.co/settings/tokens), or run `huggingface-cli login`, which writes $HF_HOME/token"
	case http.StatusForbidden:
		return fmt.Sprintf("the token may not write to %s: use a token with write access to the %q namespace (a fine-grained token needs write permission on this repository), or check the owner in the repository id", t.repo, strings.SplitN(t.repo, "/", 2)[0])
	case http.StatusNotFound:
		switch code {
		case "RevisionNotFound":
			return fmt.Sprintf("the branch %q does not exist: create it on the Hub first, or leave --revision out to upload to main", t.revision)
		default:
			return fmt.Sprintf("there is no %s repository %s (or the token cannot see it): check the id and --repo-type, or pass --create to create it", t.repoType, t.repo)
		}
	case http.StatusConflict:
		if op == "commit" {
			return "the branch changed while the files were being sent (another commit landed): run the upload again; what the Hub already has is not sent twice"
		}
		return "the repository already exists: pass --create to accept an existing one"
	case http.StatusRequestEntityTooLarge:
		return "the Hub refused the size of the request"
	case http.StatusTooManyRequests:
		return "rate limited by the Hub; retried"
	}
	if status >= 500 {
		return "the Hub failed; retried"
	}
	return ""
}

// uploadStatusError reads a failed answer into an UploadError, retryable
// for 429 and 5xx. It closes the body.
func (t uploadTarget) statusError(resp *http.Response, op, what string) error {
	defer resp.Body.Close()
	e := &UploadError{Status: resp.StatusCode, Code: resp.Header.Get("X-Error-Code"), What: what}
	e.Message = resp.Header.Get("X-Error-Message")
	if e.Message == "" {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		var j struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(b, &j) == nil && j.Error != "" {
			e.Message = j.Error
		} else {
			e.Message = strings.TrimSpace(string(b))
		}
	}
	if len(e.Message) > 300 {
		e.Message = e.Message[:300] + "..."
	}
	e.Hint = t.hint(e.Status, e.Code, op)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return &retryableError{err: e, after: retryAfter(resp.Header, time.Now())}
	}
	return e
}

// IsUploadStatus reports whether err is the Hub's refusal with status.
func IsUploadStatus(err error, status int) bool {
	var ue *UploadError
	return errors.As(err, &ue) && ue.Status == status
}

// request is one HTTP call of an upload. body makes a fresh body for each
// attempt (nil: none).
type request struct {
	method, url string
	header      http.Header
	body        func() (io.Reader, int64, error)
	auth        bool // send the token (Hub calls only, never storage URLs)
}

// jsonBody returns a body maker for v.
func jsonBody(v any) (func() (io.Reader, int64, error), error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return func() (io.Reader, int64, error) { return bytes.NewReader(b), int64(len(b)), nil }, nil
}

// do sends one request, once. The token goes only to the endpoint's host
// and only when r.auth.
func (c *Client) do(ctx context.Context, r request) (*http.Response, error) {
	u, err := url.Parse(r.url)
	if err != nil {
		return nil, fmt.Errorf("bad address: %w", err)
	}
	var body io.Reader
	var n int64
	if r.body != nil {
		if body, n, err = r.body(); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = n
		if n == 0 {
			req.Body = http.NoBody
		}
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "calibkit/"+version.String())
	if r.auth && c.cfg.Token != "" && c.sameHost(u) {
		req.Header.Set("Authorization", "Bearer "+string(c.cfg.Token))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.netError(err, u)
	}
	return resp, nil
}

// fixEndpoint is huggingface_hub's fix_hf_endpoint_in_url: an address on
// the public Hub is moved to the configured endpoint.
func (c *Client) fixEndpoint(href string) string {
	if c.cfg.Endpoint != DefaultEndpoint && strings.HasPrefix(href, DefaultEndpoint+"/") {
		return c.cfg.Endpoint + strings.TrimPrefix(href, DefaultEndpoint)
	}
	return href
}
