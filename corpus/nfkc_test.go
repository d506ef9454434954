package corpus

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestAppendNFKCMatchesNorm(t *testing.T) {
	cases := []string{
		"", "abc", "日本語のテキスト。", "ＡＢＣ１２３", "ｶﾞｷﾞ", "か\u3099", "カ\u3099ｶﾞ", "e\u0301",
		"漢字\u0301", "㈱㌔①", "…ｰ", "한국어", "Ａ\u0308", "「はい。」（とうきょう）", "ヿゟヾ\u309b",
		"\u3000全角空白", "ﾊﾟﾋﾟﾌﾟ", "가\u11a8", "ᄀ\u1161",
	}
	alphabet := []rune("あかカｶﾞﾟ\u3099\u309a\u0301\u0308eAＡ漢字。、「」（）()　 ①㈱가ᄀ\u1161\u11a8ゟヿ・ー〜\u00a0é")
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	for _, c := range cases {
		want := norm.NFKC.String(c)
		if got := string(appendNFKC(nil, []byte(c))); got != want {
			t.Fatalf("appendNFKC(%+q) = %+q, want %+q", c, got, want)
		}
	}
}

func FuzzAppendNFKC(f *testing.F) {
	for _, s := range []string{"日本語", "ｶﾞ", "か\u3099", "e\u0301", "ＡＢＣ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		if got, want := string(appendNFKC(nil, []byte(s))), norm.NFKC.String(s); got != want {
			t.Fatalf("appendNFKC(%+q) = %+q, want %+q", s, got, want)
		}
	})
}

func TestCountRunes(t *testing.T) {
	for _, s := range []string{"", "a", "日本語", "abcdefgh日本語ｶﾞ😀é", strings.Repeat("あa", 37)} {
		if got, want := countRunes(s), utf8.RuneCountInString(s); got != want {
			t.Errorf("countRunes(%q) = %d, want %d", s, got, want)
		}
	}
}
