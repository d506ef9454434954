package corpuscmd

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/corpus"
	"github.com/calibkit/calibkit/datasets/hubtest"
)

// TestBuildRunHFInputs reads INPUT from hf://datasets/... (fetched through
// the cache from a stand-in Hub) and then from the fetched snapshot folder,
// offline.
func TestBuildRunHFInputs(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	srv.Add("o/wiki", "main",
		hubtest.Bytes("data/a.jsonl", []byte(`{"id":"1","title":"a","text":"一文目です。"}`+"\n"), true),
		hubtest.Bytes("data/b.jsonl", []byte(`{"id":"2","title":"b","text":"二文目です。"}`+"\n"), false))
	dir := t.TempDir()
	cache := filepath.Join(dir, "hub")
	t.Setenv("HF_ENDPOINT", srv.URL())
	t.Setenv("HF_HOME", filepath.Join(dir, "hfhome"))
	t.Setenv("HF_HUB_CACHE", cache)
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	run := func(inputs ...string) string {
		t.Helper()
		out := filepath.Join(dir, "out.txt")
		io, _, _, _ := iostreams.Test()
		opts := &BuildOptions{IO: io, Inputs: inputs, Output: out, Corpus: corpus.DefaultOptions(), Command: []string{"calibkit", "corpus", "build"}}
		if err := buildRun(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	const want = "一文目です。\n\n二文目です。\n" // documents are separated by a blank line
	if got := run("hf://datasets/o/wiki/data/*.jsonl"); got != want {
		t.Errorf("hf:// input: %q, want %q", got, want)
	}
	t.Setenv("HF_HUB_OFFLINE", "1")
	snap := filepath.Join(cache, "datasets--o--wiki", "snapshots", hubtest.Commit("o/wiki", "main"))
	if got := run(snap); got != want {
		t.Errorf("snapshot folder input: %q, want %q", got, want)
	}
	if got := run("hf://datasets/o/wiki/data/*.jsonl"); got != want {
		t.Errorf("hf:// input offline: %q, want %q", got, want)
	}
}
