package datasets

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v5"
)

// RetryPolicy says how often and how long to retry a failed request:
// exponential backoff with jitter between InitialInterval and MaxInterval,
// at most MaxTries attempts in a row that make no progress. Only
// connection errors, 429 and 5xx answers are retried; a 429's or 503's
// Retry-After is honoured.
type RetryPolicy struct {
	MaxTries        int
	InitialInterval time.Duration
	MaxInterval     time.Duration
	// Sleep waits d or until ctx ends; tests replace it to run fast and to
	// record the waits.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultRetryPolicy is used by NewClient.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxTries: 8, InitialInterval: time.Second, MaxInterval: 30 * time.Second, Sleep: sleepCtx}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// retryableError marks an error worth another attempt; after, when set,
// is the server's Retry-After.
type retryableError struct {
	err   error
	after time.Duration
}

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

func retryable(err error) error { return &retryableError{err: err} }

// isPermanentIOError reports local file errors that no retry can fix.
func isPermanentIOError(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) ||
		errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) ||
		errors.Is(err, syscall.EROFS)
}

// do runs op until it succeeds, fails permanently, the context ends, or
// MaxTries attempts in a row made no progress. op reports whether it moved
// forward (received bytes), which resets the backoff.
func (p RetryPolicy) do(ctx context.Context, op func() (progressed bool, err error)) error {
	b := &backoff.ExponentialBackOff{
		InitialInterval:     p.InitialInterval,
		RandomizationFactor: backoff.DefaultRandomizationFactor,
		Multiplier:          2,
		MaxInterval:         p.MaxInterval,
	}
	b.Reset()
	sleep := p.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	maxTries := p.MaxTries
	if maxTries < 1 {
		maxTries = 1
	}
	failures, attempts := 0, 0
	for {
		attempts++
		progressed, err := op()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return fmt.Errorf("%w: %w", context.Cause(ctx), err)
		}
		var re *retryableError
		if !errors.As(err, &re) || isPermanentIOError(err) {
			return err
		}
		if progressed {
			failures = 0
			b.Reset()
		}
		failures++
		if failures >= maxTries || attempts >= 16*maxTries {
			return fmt.Errorf("%w (gave up after %d attempts)%s", err, attempts, giveUpAdvice(err))
		}
		wait := b.NextBackOff()
		if re.after > 0 {
			wait = re.after
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// giveUpAdvice says what to do when the Hub could not be reached at all: a
// connection that failed (no network, a wrong HF_ENDPOINT), not an answer
// the Hub gave.
func giveUpAdvice(err error) string {
	var ne net.Error
	if errors.As(err, &ne) {
		return "; check the network connection and HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use what the cache holds"
	}
	return ""
}
