package mix

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Test corpora are generated: Japanese-like sentences of varied length
// from a small syllable set, with an ASCII number now and then, so byte
// and character sizes vary the way real text does.

var syllables = []string{"あ", "か", "さ", "た", "な", "は", "ま", "や", "ら", "わ", "日本", "語", "東京", "大学", "研究", "ア", "カ", "サ", "の", "は", "が", "を", "に", "で"}

func genSentence(r *rand.Rand) string { return genSentenceFrom(r, syllables) }

// genSentenceFrom makes a sentence of syllables from syl.
func genSentenceFrom(r *rand.Rand, syl []string) string {
	var b strings.Builder
	n := 5 + r.IntN(60)
	for range n {
		b.WriteString(syl[r.IntN(len(syl))])
		if r.IntN(20) == 0 {
			fmt.Fprintf(&b, "%d", r.IntN(3000))
		}
	}
	b.WriteString("。")
	return b.String()
}

type genArticle struct {
	ID, Title, URL, Text string
}

func genArticles(seed uint64, n int) []genArticle { return genArticlesFrom(seed, n, syllables) }

// genArticlesFrom makes n articles of sentences from syl. Their ids are
// 1000, 1001, … whatever syl is, as two Wikipedias' ids collide.
func genArticlesFrom(seed uint64, n int, syl []string) []genArticle {
	r := rand.New(rand.NewPCG(seed, 7))
	arts := make([]genArticle, n)
	for i := range arts {
		var paras []string
		np := 1 + r.IntN(6)
		for range np {
			var ss []string
			ns := 1 + r.IntN(8)
			for range ns {
				ss = append(ss, genSentenceFrom(r, syl))
			}
			paras = append(paras, strings.Join(ss, "\n"))
		}
		arts[i] = genArticle{
			ID:    fmt.Sprint(1000 + i),
			Title: "記事" + fmt.Sprint(i),
			URL:   fmt.Sprintf("https://ja.wikipedia.org/wiki?curid=%d", 1000+i),
			Text:  strings.Join(paras, "\n\n"),
		}
	}
	return arts
}

// writeJSONL writes a JSONL corpus of n generated articles and returns its path.
func writeJSONL(t testing.TB, seed uint64, n int) string {
	t.Helper()
	return writeJSONLFrom(t, seed, n, syllables)
}

// Syllables of the other test languages.
var (
	zhSyllables = []string{"中", "国", "北京", "大学", "研究", "的", "是", "在", "了", "和", "人", "语言", "，", "数"}
	koSyllables = []string{"한", "국", "어", "서울", "대학", "연구", "는", "을", "에", "의", " ", "이", "다"}
)

// writeJSONLFrom writes a JSONL corpus of n articles of syllables syl.
func writeJSONLFrom(t testing.TB, seed uint64, n int, syl []string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "corpus.jsonl")
	var b strings.Builder
	for _, a := range genArticlesFrom(seed, n, syl) {
		j, err := json.Marshal(map[string]string{"id": a.ID, "title": a.Title, "url": a.URL, "text": a.Text})
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// writeTextCorpus writes the same articles as a text corpus.
func writeTextCorpus(t testing.TB, seed uint64, n int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "corpus.txt")
	var parts []string
	for _, a := range genArticles(seed, n) {
		parts = append(parts, strings.ReplaceAll(a.Text, "\n\n", "\n"))
	}
	if err := os.WriteFile(p, []byte(strings.Join(parts, "\n\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
