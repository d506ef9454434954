package tokenize

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ikawaha/kagome/v2/tokenizer"

	"github.com/calibkit/calibkit/tokenize/internal/jagen"
)

// kagomeView renders kagome's own analysis of text (Normal mode, BOS/EOS
// omitted) as one "surface id class features" line per token.
func kagomeView(tk *Tokenizer, text string) string {
	var sb strings.Builder
	tk.needPOS()
	for _, tok := range tk.t.Analyze(text, tokenizer.Normal) {
		fmt.Fprintf(&sb, "%q %d %d %s\n", tok.Surface, tok.ID, tok.Class, strings.Join(tok.Features(), ","))
	}
	return sb.String()
}

// latticeView renders the lattice analyser's result the same way.
func latticeView(tk *Tokenizer, text string) string {
	var sb strings.Builder
	la := new(lattice)
	tk.lat.analyze(la, text)
	for _, i := range la.path {
		n := &la.nodes[i]
		fmt.Fprintf(&sb, "%q %d %d %s\n", text[n.pos:n.pos+n.size], n.id, n.class, tk.lat.appendFeatures(nil, n))
	}
	return sb.String()
}

var latticeCases = []string{
	"",
	"すもももももももものうち",
	"公園に行った。東京は晴れ。",
	"東京 に　行く\tABC ｶﾀｶﾅ 3.14\r",
	"ＡＢＣとｶﾀｶﾅと１２３と123とabcと！？",
	"吾輩は猫である。名前はまだ無い。",
	"「はい。そうです。」と彼は言った。",
	"🍣と🍺が好き。Emoji😀テスト",
	"a\xffb\xe3\x81。\xe3",
	"ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿ",
	"ＸＹＺ株式会社はＩＴ企業でＡＩを研究している",
	"東京都（とうきょうと）は日本の首都である。",
	strings.Repeat("ア", 1500),        // a grouped unknown word longer than kagome's cap
	strings.Repeat("x", 1100) + "です", // same, in ASCII
	"2024年11月26日、午後3時45分に到着した。",
	"ﾃｽﾄ、テスト、test、ＴＥＳＴ。",
}

func TestLatticeMatchesKagome(t *testing.T) {
	tk := newTestTokenizer(t)
	texts := append([]string(nil), latticeCases...)
	texts = append(texts, strings.Split(jagen.String(200_000, 7), "\n")...)
	for _, text := range texts {
		want, got := kagomeView(tk, text), latticeView(tk, text)
		if got != want {
			t.Fatalf("analysis of %q differs from kagome's\n got:\n%s\nwant:\n%s", text, got, want)
		}
	}
}

func FuzzLatticeMatchesKagome(f *testing.F) {
	for _, c := range latticeCases {
		f.Add(c)
	}
	tk := newTestTokenizer(f)
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 4096 {
			return
		}
		if want, got := kagomeView(tk, text), latticeView(tk, text); got != want {
			t.Fatalf("analysis of %q differs from kagome's\n got:\n%s\nwant:\n%s", text, got, want)
		}
	})
}

// Without a user dictionary the lattice analyser runs; with one, kagome's
// tokenizer does (TestUserDictFile checks its result).
func TestTokenizerPicksAnalyser(t *testing.T) {
	if tk := newTestTokenizer(t); tk.lat == nil {
		t.Fatal("no user dictionary: the lattice analyser should run")
	}
}

// BenchmarkKagomeWakati is kagome's own tokenizer on BenchmarkWakati's
// text, for comparison with the lattice analyser.
func BenchmarkKagomeWakati(b *testing.B) {
	tk := newTestTokenizer(b)
	lines := strings.Split(benchText(), "\n")
	b.SetBytes(int64(len(benchText())))
	for b.Loop() {
		for _, l := range lines {
			tk.t.Wakati(l)
		}
	}
}
