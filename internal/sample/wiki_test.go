package sample_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/calibkit/calibkit/internal/sample"
)

// article is one line of the bundled Wikipedia files.
type article struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	URL   string `json:"url"`
	Text  string `json:"text"`
}

// TestWikiArticles checks the bundled Wikipedia files: one article a line
// with exactly the keys id, title, url and text, none empty; paragraphs
// without blank or padded lines; NFC text without U+FFFD or control
// characters; unique ids and titles; 350-450 KB of text; the sha256 that
// data/wiki/README.md records; and calibkit's corpus reader reading every
// article.
func TestWikiArticles(t *testing.T) {
	readme, err := fs.ReadFile(sample.FS(), "wiki/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang, name string
		articles   int
	}{{"ja", sample.WikiJa, 27}, {"en", sample.WikiEn, 21}} {
		t.Run(tc.lang, func(t *testing.T) {
			b, err := sample.Wiki(tc.lang)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if !bytes.Contains(readme, []byte(hex.EncodeToString(sum[:]))) {
				t.Errorf("%s: sha256 %x is not the one data/wiki/README.md records; update the README with the file", tc.name, sum)
			}
			ids, titles := map[string]int{}, map[string]int{}
			textBytes := 0
			lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			for i, line := range lines {
				a := decodeArticle(t, tc.name, i+1, line)
				if a.ID == "" || a.Title == "" || a.Text == "" || !strings.HasPrefix(a.URL, "https://"+tc.lang+".wikipedia.org/wiki/") {
					t.Errorf("%s line %d: incomplete article id=%q title=%q url=%q", tc.name, i+1, a.ID, a.Title, a.URL)
				}
				if prev, ok := ids[a.ID]; ok {
					t.Errorf("%s line %d: id %q repeats line %d", tc.name, i+1, a.ID, prev)
				}
				if prev, ok := titles[a.Title]; ok {
					t.Errorf("%s line %d: title %q repeats line %d", tc.name, i+1, a.Title, prev)
				}
				ids[a.ID], titles[a.Title] = i+1, i+1
				checkText(t, tc.name, i+1, a.Text)
				textBytes += len(a.Text)
			}
			if len(lines) != tc.articles {
				t.Errorf("%s: %d articles, want %d", tc.name, len(lines), tc.articles)
			}
			if textBytes < 350_000 || textBytes > 450_000 || len(b) > 450_000 {
				t.Errorf("%s: %d bytes of text in %d bytes, want 350,000 to 450,000", tc.name, textBytes, len(b))
			}
			paths, err := sample.WriteTo(t.TempDir(), tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if n := countArticles(t, paths, "https://"+tc.lang+".wikipedia.org/wiki/"); n != len(lines) {
				t.Errorf("%s: corpus reader read %d articles of %d", tc.name, n, len(lines))
			}
		})
	}
}

// decodeArticle decodes one line strictly: a JSON object with no other keys.
func decodeArticle(t *testing.T, name string, n int, line string) article {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	var a article
	if err := dec.Decode(&a); err != nil {
		t.Errorf("%s line %d: %v", name, n, err)
	}
	if dec.More() {
		t.Errorf("%s line %d: more than one JSON value", name, n)
	}
	return a
}

// checkText reports paragraphs that are empty or padded and characters that
// betray broken text: U+FFFD, controls other than the paragraph breaks, and
// text that NFC would change.
func checkText(t *testing.T, name string, n int, text string) {
	t.Helper()
	for j, p := range strings.Split(text, "\n") {
		if p == "" || p != strings.TrimSpace(p) {
			t.Errorf("%s line %d paragraph %d: empty or padded: %q", name, n, j+1, p)
		}
	}
	if i := strings.IndexFunc(text, func(r rune) bool { return r == '\uFFFD' || (unicode.IsControl(r) && r != '\n') }); i >= 0 {
		t.Errorf("%s line %d: character %U at byte %d", name, n, []rune(text[i:])[0], i)
	}
	if !norm.NFC.IsNormalString(text) {
		t.Errorf("%s line %d: text is not NFC", name, n)
	}
}

func TestWikiUnknownLanguage(t *testing.T) {
	if _, err := sample.Wiki("xx"); err == nil || !strings.Contains(err.Error(), `"xx"`) || !strings.Contains(err.Error(), "en, ja") {
		t.Errorf("Wiki(xx): %v", err)
	}
}
