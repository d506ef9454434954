package sample_test

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/corpus"
	"github.com/calibkit/calibkit/internal/sample"
)

func TestShardsReadAsWikipedia(t *testing.T) {
	paths, err := sample.WriteTo(t.TempDir(), sample.Shards()...)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range paths {
		r, err := corpus.Open(p, corpus.DefaultReaderOptions())
		if err != nil {
			t.Fatal(err)
		}
		for {
			d, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.ID == "" || d.Title == "" || !strings.HasPrefix(d.URL, "https://ja.wikipedia.org/") || d.Text == "" {
				t.Errorf("%s: incomplete row %+v", p, d)
			}
			n++
		}
		r.Close()
	}
	if n != 8 {
		t.Errorf("%d articles, want 8", n)
	}
}

func TestWriteToAll(t *testing.T) {
	dir := t.TempDir()
	paths, err := sample.WriteTo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 || filepath.Base(paths[2]) != sample.Wikitext {
		t.Errorf("paths %v", paths)
	}
	if _, err := sample.WriteTo(dir, "nope"); err == nil {
		t.Error("unknown file written")
	}
}
