package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

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
