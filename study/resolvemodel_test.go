package study

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/datasets/hubtest"
)

// TestResolveModelFetches: an hf:// model missing from the cache is
// downloaded into models--OWNER--REPO; the next resolve finds it there
// with the Hub gone, and HF_HUB_OFFLINE refuses to download.
func TestResolveModelFetches(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	data := []byte("GGUF tiny model")
	srv.AddModel("owner/tiny-GGUF", "v1", hubtest.Bytes("sub/tiny.gguf", data, true))
	cache := filepath.Join(t.TempDir(), "hub")
	t.Setenv("HF_ENDPOINT", srv.URL())
	t.Setenv("HF_HUB_CACHE", cache)
	t.Setenv("HF_TOKEN", "hf_test")
	t.Setenv("HF_HUB_OFFLINE", "")
	ctx := context.Background()

	t.Setenv("HF_HUB_OFFLINE", "1")
	if _, err := ResolveModel(ctx, "hf://owner/tiny-GGUF@v1/sub/tiny.gguf", ""); err == nil || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") {
		t.Fatalf("offline, not cached: got %v, want an error naming HF_HUB_OFFLINE", err)
	}
	t.Setenv("HF_HUB_OFFLINE", "")

	p, err := ResolveModel(ctx, "hf://owner/tiny-GGUF@v1/sub/tiny.gguf", "")
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(cache, "models--owner--tiny-GGUF", "snapshots", hubtest.Commit("owner/tiny-GGUF", "v1"), "sub", "tiny.gguf")
	if p != want {
		t.Fatalf("path %s, want %s", p, want)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != string(data) {
		t.Fatalf("content %q, %v", b, err)
	}

	srv.Close()
	if q, err := ResolveModel(ctx, "hf://owner/tiny-GGUF@v1/sub/tiny.gguf", ""); err != nil || q != want {
		t.Fatalf("second resolve without the Hub: %s, %v", q, err)
	}
}
