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
	for _, tc := range []struct {
		lang   string
		shards []string
		n      int
	}{{"ja", sample.Shards(), 8}, {"zh", sample.ShardsZh(), 7}} {
		paths, err := sample.WriteTo(t.TempDir(), tc.shards...)
		if err != nil {
			t.Fatal(err)
		}
		if n := countArticles(t, paths, "https://"+tc.lang+".wikipedia.org/"); n != tc.n {
			t.Errorf("%s: %d articles, want %d", tc.lang, n, tc.n)
		}
	}
}

// countArticles reads the shards at paths as Wikipedia dumps and counts
// their rows, checking that each is complete and from the Wikipedia at url.
func countArticles(t *testing.T, paths []string, url string) int {
	t.Helper()
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
			if d.ID == "" || d.Title == "" || !strings.HasPrefix(d.URL, url) || d.Text == "" {
				t.Errorf("%s: incomplete row %+v", p, d)
			}
			n++
		}
		r.Close()
	}
	return n
}

func TestWriteToAll(t *testing.T) {
	dir := t.TempDir()
	paths, err := sample.WriteTo(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 8 || filepath.Base(paths[3]) != sample.Wikitext || paths[5] != filepath.Join(dir, "wiki", "en.jsonl") || paths[7] != filepath.Join(dir, "chat", "en.jsonl") {
		t.Errorf("paths %v", paths)
	}
	if _, err := sample.WriteTo(dir, "nope"); err == nil {
		t.Error("unknown file written")
	}
}
