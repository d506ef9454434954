package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/calibkit/calibkit/internal/filehash"
	"github.com/calibkit/calibkit/internal/version"
)

// Client talks to one Hub endpoint and fills one cache. It is safe for
// concurrent use.
type Client struct {
	cfg      Config
	cache    Cache
	base     *url.URL
	http     *http.Client
	retry    RetryPolicy
	openFile func(name string, flag int, perm os.FileMode) (*os.File, error)
	progress Progress
	lockPoll time.Duration
	bufSize  int
	// stallTimeout drops a download that receives nothing for this long.
	stallTimeout time.Duration
	// hashes is where uploads find and keep the sha256 of files
	// (filehash.DefaultCache unless an option says otherwise).
	hashes filehash.Cache
}

// WithoutHashCache makes uploads hash every file afresh instead of taking
// the sha256 of an unchanged file from calibkit's hash cache
// (internal/filehash: $CALIBKIT_HASH_CACHE, else
// ~/.cache/calibkit/file-hashes).
func WithoutHashCache() Option {
	return func(c *Client) error { c.hashes = filehash.Cache{}; return nil }
}

// WithHashCacheDir makes uploads keep file hashes in dir, for every file
// size (tests; the default cache leaves out files under 1 MiB).
func WithHashCacheDir(dir string) Option {
	return func(c *Client) error { c.hashes = filehash.Cache{Dir: dir}; return nil }
}

// Option configures a Client.
type Option func(*Client) error

// WithHTTPClient sends requests through hc (its CheckRedirect is replaced:
// the Client follows redirects itself to keep the token on the Hub's host).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		cp := *hc
		c.http = &cp
		return nil
	}
}

// WithRetry sets the retry policy.
func WithRetry(p RetryPolicy) Option {
	return func(c *Client) error { c.retry = p; return nil }
}

// WithProgress reports download progress to p.
func WithProgress(p Progress) Option {
	return func(c *Client) error { c.progress = p; return nil }
}

// WithOpenFile replaces os.OpenFile for the partial-download files; tests
// use it to inject disk-full errors.
func WithOpenFile(open func(name string, flag int, perm os.FileMode) (*os.File, error)) Option {
	return func(c *Client) error { c.openFile = open; return nil }
}

// WithLockPoll sets how often a waiting fetch retries a busy lock.
func WithLockPoll(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("lock poll interval %v: want > 0", d)
		}
		c.lockPoll = d
		return nil
	}
}

// WithStallTimeout sets how long a download may receive nothing before
// it is dropped and retried (default 60 s).
func WithStallTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("stall timeout %v: want > 0", d)
		}
		c.stallTimeout = d
		return nil
	}
}

// NewClient returns a client for cfg.
func NewClient(cfg Config, opts ...Option) (*Client, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = DefaultEndpoint
	}
	cfg.Endpoint = strings.TrimRight(cfg.Endpoint, "/")
	base, err := url.Parse(cfg.Endpoint)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("hub endpoint %q: want an http(s) address", cfg.Endpoint)
	}
	if cfg.HubCache == "" {
		return nil, errors.New("no Hugging Face cache folder (set HF_HUB_CACHE or HF_HOME)")
	}
	c := &Client{
		cfg:      cfg,
		cache:    Cache{Dir: cfg.HubCache},
		base:     base,
		http:     &http.Client{Transport: defaultTransport()},
		retry:    DefaultRetryPolicy(),
		openFile: os.OpenFile,
		lockPoll: 200 * time.Millisecond,
		bufSize:  1 << 20,
		hashes:   filehash.DefaultCache(),

		stallTimeout: time.Minute,
	}
	if cfg.StallTimeout > 0 {
		c.stallTimeout = cfg.StallTimeout
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// NewClientFromEnv returns a client configured by the huggingface_hub
// environment variables (see ConfigFromEnv).
func NewClientFromEnv(opts ...Option) (*Client, error) {
	cfg, err := ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	return NewClient(cfg, opts...)
}

// Cache returns the cache the client fills.
func (c *Client) Cache() Cache { return c.cache }

// Config returns the client's configuration.
func (c *Client) Config() Config { return c.cfg }

// urlFor joins escaped path segments to the endpoint.
func (c *Client) urlFor(rawPath string) string {
	return c.cfg.Endpoint + rawPath
}

// escapePath escapes each segment of a slash-separated repo path.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// sameHost reports whether u is on the endpoint's host (scheme and port
// included), the only host that gets the token.
func (c *Client) sameHost(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, c.base.Scheme) && strings.EqualFold(u.Host, c.base.Host)
}

// redirects says which redirects send follows.
type redirects int

const (
	followAll      redirects = iota // to any host (downloads)
	followRelative                  // only relative ones, as huggingface_hub's metadata HEAD does (a renamed repo)
	followNone                      // none: the caller reads Location
)

// send makes one request. It follows redirects itself, as far as follow
// allows. The Authorization header goes only to the endpoint's host.
func (c *Client) send(ctx context.Context, method, rawURL string, hdr http.Header, follow redirects) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bad address %q: %w", rawURL, err)
	}
	for hops := 0; ; hops++ {
		req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
		if err != nil {
			return nil, err
		}
		for k, v := range hdr {
			req.Header[k] = v
		}
		req.Header.Set("User-Agent", "calibkit/"+version.String())
		// No transparent compression: sizes and Range offsets are of the
		// stored bytes.
		req.Header.Set("Accept-Encoding", "identity")
		if c.cfg.Token != "" && c.sameHost(u) {
			req.Header.Set("Authorization", "Bearer "+string(c.cfg.Token))
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, c.netError(err, u)
		}
		if resp.StatusCode < 300 || resp.StatusCode > 399 || resp.StatusCode == http.StatusNotModified {
			return resp, nil
		}
		loc := resp.Header.Get("Location")
		if loc == "" {
			return resp, nil
		}
		next, err := u.Parse(loc)
		if err != nil {
			resp.Body.Close()
			return nil, fmt.Errorf("%s %s: bad redirect %q: %w", method, redact(u), loc, err)
		}
		if follow == followNone || (follow == followRelative && !isRelative(loc)) {
			return resp, nil
		}
		if hops >= 10 {
			resp.Body.Close()
			return nil, fmt.Errorf("%s %s: too many redirects", method, redact(u))
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		u = next
	}
}

// netError turns a transport failure into a retryable error that names
// the host and path but no query (signed CDN addresses carry credentials).
func (c *Client) netError(err error, u *url.URL) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return retryable(fmt.Errorf("connect to %s: %w", redact(u), err))
}

// isRelative reports whether a Location has no scheme and host.
func isRelative(loc string) bool {
	u, err := url.Parse(loc)
	return err == nil && u.Scheme == "" && u.Host == ""
}

// redact prints an address without its query string or user info.
func redact(u *url.URL) string {
	cp := *u
	cp.RawQuery = ""
	cp.User = nil
	cp.Fragment = ""
	return cp.String()
}

// HTTPError is an unexpected answer from the Hub.
type HTTPError struct {
	Status  int
	Code    string // X-Error-Code, e.g. RepoNotFound, EntryNotFound, GatedRepo
	Message string // X-Error-Message or a short body excerpt
	What    string // what was asked: repo, revision and path
}

func (e *HTTPError) Error() string {
	var hint string
	switch {
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		hint = ": the dataset is gated or private and the token is missing or wrong; " +
			"accept its terms on the Hub, then set HF_TOKEN (or run `huggingface-cli login`, which writes $HF_HOME/token)"
	case e.Status == http.StatusNotFound:
		switch e.Code {
		case "RepoNotFound":
			hint = ": no such dataset (or it is private and no token was sent)"
		case "RevisionNotFound":
			hint = ": no such revision"
		case "EntryNotFound":
			hint = ": no such file at that revision"
		default:
			hint = ": not found"
		}
	case e.Status == http.StatusTooManyRequests:
		hint = ": rate limited by the Hub"
	case e.Status >= 500:
		hint = ": the Hub failed"
	}
	msg := ""
	if e.Message != "" {
		msg = " (" + e.Message + ")"
	}
	return fmt.Sprintf("%s: HTTP %d%s%s", e.What, e.Status, hint, msg)
}

// statusError reads a failed response into an HTTPError, retryable for
// 429 and 5xx. It closes the body.
func statusError(resp *http.Response, what string) error {
	defer resp.Body.Close()
	e := &HTTPError{Status: resp.StatusCode, Code: resp.Header.Get("X-Error-Code"), What: what}
	e.Message = resp.Header.Get("X-Error-Message")
	if e.Message == "" && resp.Request != nil && resp.Request.Method != http.MethodHead {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		e.Message = strings.TrimSpace(string(b))
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return &retryableError{err: e, after: retryAfter(resp.Header, time.Now())}
	}
	return e
}

// IsNotFound reports whether err is the Hub's 404.
func IsNotFound(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.Status == http.StatusNotFound
}

// defaultTransport is http.DefaultTransport's setup with a bound on the
// wait for response headers, so a silent server cannot hang a fetch.
func defaultTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = time.Minute
	return t
}
