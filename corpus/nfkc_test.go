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
	for _, s := range []string{"日本語", "ｶﾞ", "か\u3099", "e\u0301", "ＡＢＣ", "Müller", "क\u093c", "ا\u0654", "ᄀ\u1161"} {
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

// TestAppendNFKCLowScripts holds the fast path of the scripts below
// U+3000 to norm.NFKC: every character there alone, then before and after
// combining marks and compatibility characters of those scripts.
func TestAppendNFKCLowScripts(t *testing.T) {
	marks := []string{"", "\u0301", "\u0308", "\u0327", "\u093c", "\u0654", "\u0655", "\u05b7", "\u0e31",
		"\u1161", "\u11a8", "\u0653", "\u09be", "\u0cd5", "\u0b3e", "\u0bbe", "\u102e", "ﬁ", "…", "ß"}
	for r := rune(0x80); r < 0x3000; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		for _, m := range marks {
			for _, c := range []string{string(r) + m, "a" + m + string(r) + m, string(r) + string(r) + m} {
				if got, want := string(appendNFKC(nil, []byte(c))), norm.NFKC.String(c); got != want {
					t.Fatalf("appendNFKC(%+q) = %+q, want %+q", c, got, want)
				}
			}
		}
	}
	for _, s := range []string{"Müller straße", "Москва — столица", "भारत एक देश है।", "القاهرة", "Αθήνα", "ירושלים", "กรุงเทพ"} {
		if got, want := string(appendNFKC(nil, []byte(s))), norm.NFKC.String(s); got != want {
			t.Errorf("appendNFKC(%q) = %q, want %q", s, got, want)
		}
	}
}
