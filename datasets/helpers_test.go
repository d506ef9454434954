package datasets

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/calibkit/calibkit/datasets/hubtest"
)

// sleeps records the waits of a fast retry policy.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// newTestClient returns a client of srv with its own cache in a temp folder
// and a retry policy that does not wait.
func newTestClient(t *testing.T, srv *hubtest.Server, cache string, opts ...Option) (*Client, *sleeps) {
	t.Helper()
	sl := &sleeps{}
	if cache == "" {
		cache = filepath.Join(t.TempDir(), "hub")
	}
	cfg := Config{Endpoint: srv.URL(), Token: "hf_secret_token_123", HubCache: cache}
	base := []Option{
		WithRetry(RetryPolicy{MaxTries: 4, InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, Sleep: sl.sleep}),
		WithLockPoll(5 * time.Millisecond),
		WithHashCacheDir(filepath.Join(t.TempDir(), "file-hashes")),
	}
	c, err := NewClient(cfg, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, sl
}

// tree lists every path under root (relative, slash-separated) with a
// marker for symlinks, to compare cache layouts.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			rel += " -> " + target
		case fi.IsDir():
			rel += "/"
		}
		out = append(out, rel)
		return nil
	})
	sort.Strings(out)
	return out
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// data returns n deterministic, non-repeating-looking bytes.
func data(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func hasAny(list []string, substr string) bool {
	for _, s := range list {
		if strings.Contains(s, substr) {
			return true
		}
	}
	return false
}

func writeFile(p, s string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte(s), 0o600)
}
