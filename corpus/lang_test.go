package corpus

import (
	"testing"
	"unicode"
)

// japaneseShareRef is JapaneseShare rune by rune, without the table.
func japaneseShareRef(s string) float64 {
	ja, all := 0, 0
	for _, r := range s {
		switch {
		case isJapanese(r):
			ja++
			all++
		case unicode.IsLetter(r):
			all++
		}
	}
	if all == 0 {
		return 0
	}
	return float64(ja) / float64(all)
}

// TestJapaneseShareTable checks the U+3000..U+9FFF table against the
// rune-by-rune definition for every character of the range, each next to a
// Latin letter so that both counts matter.
func TestJapaneseShareTable(t *testing.T) {
	for r := rune(0x3000); r < 0xA000; r++ {
		s := "a" + string(r)
		if got, want := JapaneseShare(s), japaneseShareRef(s); got != want {
			t.Fatalf("JapaneseShare(%q) = %v, want %v", s, got, want)
		}
	}
	for _, s := range []string{"", "東京は首都。", "Tokyo 東京", "ひらがなカタカナ漢字、。", "〇〆〜ㄅ㈱䷀", "１２３ABC"} {
		if got, want := JapaneseShare(s), japaneseShareRef(s); got != want {
			t.Errorf("JapaneseShare(%q) = %v, want %v", s, got, want)
		}
	}
}
