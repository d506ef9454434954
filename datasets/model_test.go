package datasets

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/datasets/hubtest"
)

// TestDownloadModel fetches a model file through /{repo}/resolve/ into
// huggingface_hub's models--OWNER--REPO layout, reads it back from the
// cache without the network, and refuses a file whose sha256 is wrong.
func TestDownloadModel(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	data := []byte("GGUF model bytes, stored in LFS")
	srv.AddModel("owner/tiny-GGUF", "main", hubtest.Bytes("tiny-f16.gguf", data, true))
	// A dataset of the same name must not answer for the model.
	srv.Add("owner/tiny-GGUF", "main", hubtest.Bytes("tiny-f16.gguf", []byte("dataset"), false))

	cache := filepath.Join(t.TempDir(), "hub")
	c, _ := newTestClient(t, srv, cache)
	ctx := context.Background()
	rf := RepoFile{Path: "tiny-f16.gguf", Size: -1, RepoType: RepoModel}
	f, err := c.Download(ctx, "owner/tiny-GGUF", rf)
	if err != nil {
		t.Fatal(err)
	}
	commit := hubtest.Commit("owner/tiny-GGUF", "main")
	want := filepath.Join(cache, "models--owner--tiny-GGUF", "snapshots", commit, "tiny-f16.gguf")
	if f.LocalPath != want || !f.Downloaded || f.Commit != commit {
		t.Fatalf("got %+v, want %s downloaded at %s", f, want, commit)
	}
	if b, err := os.ReadFile(f.LocalPath); err != nil || string(b) != string(data) {
		t.Fatalf("content %q, %v", b, err)
	}
	ref, err := os.ReadFile(filepath.Join(cache, "models--owner--tiny-GGUF", "refs", "main"))
	if err != nil || string(ref) != commit {
		t.Fatalf("refs/main = %q, %v", ref, err)
	}
	blob := filepath.Join(cache, "models--owner--tiny-GGUF", "blobs", f.SHA256)
	if target, err := filepath.EvalSymlinks(f.LocalPath); err != nil || target != blob {
		t.Fatalf("snapshot file points to %s (%v), want %s", target, err, blob)
	}
	if _, err := os.Stat(filepath.Join(cache, "datasets--owner--tiny-GGUF")); !os.IsNotExist(err) {
		t.Fatalf("a model download touched the dataset folder: %v", err)
	}
	if n := srv.Count("cdn", ""); n != 1 {
		t.Fatalf("%d CDN requests, want 1", n)
	}

	// Second time: from the cache, without the network.
	off, _ := newTestClient(t, srv, cache)
	off.cfg.Offline = true
	srv.Close()
	g, err := off.Download(ctx, "owner/tiny-GGUF", rf)
	if err != nil {
		t.Fatal(err)
	}
	if g.LocalPath != want || g.Downloaded || g.SHA256 != f.SHA256 {
		t.Fatalf("from cache: %+v", g)
	}
}

func TestDownloadModelWrongSHA(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	bad := hubtest.Bytes("bad.gguf", []byte("these bytes do not hash to the etag"), true)
	bad.SHA256 = strings.Repeat("ab", 32)
	srv.AddModel("owner/tiny-GGUF", "main", bad)
	cache := filepath.Join(t.TempDir(), "hub")
	c, _ := newTestClient(t, srv, cache)
	_, err := c.Download(context.Background(), "owner/tiny-GGUF", RepoFile{Path: "bad.gguf", Size: -1, RepoType: RepoModel})
	var ve *VerifyError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "sha256") || !strings.Contains(err.Error(), "model owner/tiny-GGUF") {
		t.Fatalf("got %v, want a sha256 VerifyError naming the model", err)
	}
	blobs := filepath.Join(cache, "models--owner--tiny-GGUF", "blobs")
	if ents, _ := os.ReadDir(blobs); len(ents) != 0 {
		t.Fatalf("blobs left after a refused download: %v", ents)
	}
	if _, err := os.Stat(filepath.Join(cache, "models--owner--tiny-GGUF", "snapshots", hubtest.Commit("owner/tiny-GGUF", "main"), "bad.gguf")); !os.IsNotExist(err) {
		t.Fatalf("snapshot link made for a refused file: %v", err)
	}
}

// TestDownloadModelResumes: a partial model blob left by an earlier run is
// continued with a Range request, and the whole is verified.
func TestDownloadModelResumes(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	data := []byte(strings.Repeat("tensor data ", 5000))
	f := hubtest.Bytes("tiny.gguf", data, true)
	srv.AddModel("owner/tiny-GGUF", "main", f)
	var ranges []string
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind == "cdn" {
			ranges = append(ranges, r.Header.Get("Range"))
		}
		return false
	})
	cache := filepath.Join(t.TempDir(), "hub")
	blobs := filepath.Join(cache, "models--owner--tiny-GGUF", "blobs")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(blobs, f.SHA256+".incomplete"), data[:20_000], 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ := newTestClient(t, srv, cache)
	got, err := c.Download(context.Background(), "owner/tiny-GGUF", RepoFile{Path: "tiny.gguf", Size: -1, RepoType: RepoModel})
	if err != nil {
		t.Fatal(err)
	}
	if len(ranges) != 1 || ranges[0] != "bytes=20000-" {
		t.Fatalf("CDN ranges %q, want one bytes=20000-", ranges)
	}
	if b, err := os.ReadFile(got.LocalPath); err != nil || string(b) != string(data) {
		t.Fatalf("content differs after resume: %v", err)
	}
}
