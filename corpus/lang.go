package corpus

import (
	"unicode"
	"unicode/utf8"
)

// JapaneseShare returns the share of Japanese characters (hiragana,
// katakana, kanji, and Japanese punctuation such as 、。「」・ー) among the
// letters and Japanese punctuation of s. Digits, spaces and ASCII symbols
// do not count either way; a line without any letter gives 0.
func JapaneseShare(s string) float64 {
	ja, all, _ := scanLine(s, false)
	return share(ja, all)
}

// share is ja/all, or 0 when all is 0.
func share(ja, all int) float64 {
	if all == 0 {
		return 0
	}
	return float64(ja) / float64(all)
}

// scanLine counts the Japanese characters and the letters of s as
// JapaneseShare does and, when brackets is set, also reports what
// bracketsNeedWork(s) would, in the same pass: the worker needs both for
// every line. s is valid UTF-8.
func scanLine(s string, brackets bool) (ja, all int, work bool) {
	open := -1 // as in bracketsNeedWork
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
				all++
			} else if brackets && !work {
				switch c {
				case '(':
					open = i + 1
				case ')':
					work = open >= 0 && innerNeedsWork(s[open:i])
					open = -1
				}
			}
			i++
			continue
		}
		if c >= 0xE3 && c <= 0xE9 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
			// U+3000..U+9FFF, decoded inline: kana, punctuation, kanji,
			// looked up in a table.
			r := rune(c&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
			k := cjkClass[r-0x3000]
			ja += int(k >> 1)
			all += int(k & 1)
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if brackets && !work {
			switch r {
			case '（':
				open = i + size
			case '）':
				work = open >= 0 && innerNeedsWork(s[open:i])
				open = -1
			}
		}
		i += size
		switch {
		case isJapanese(r):
			ja++
			all++
		case unicode.IsLetter(r):
			all++
		}
	}
	return ja, all, work
}

// isJapanese reports whether r is hiragana, katakana (full or half width),
// a CJK ideograph or Japanese punctuation.
func isJapanese(r rune) bool {
	switch {
	case r >= 0x3000 && r <= 0x303F: // CJK symbols and punctuation 、。「」『』〜
		return r != 0x3000
	case r >= 0x3040 && r <= 0x30FF: // hiragana, katakana, ・ー
		return true
	case r >= 0x31F0 && r <= 0x31FF: // katakana phonetic extensions
		return true
	case r >= 0x3400 && r <= 0x4DBF, r >= 0x4E00 && r <= 0x9FFF, r >= 0xF900 && r <= 0xFAFF:
		return true
	case r >= 0xFF61 && r <= 0xFF9F: // half-width katakana and punctuation
		return true
	case r >= 0x20000 && r <= 0x3FFFF: // CJK extensions B..
		return true
	}
	return false
}

// cjkClass holds, for U+3000..U+9FFF, how JapaneseShare counts the
// character: bit 0 set for a letter or Japanese character, bit 1 for a
// Japanese one.
var cjkClass = func() (t [0xA000 - 0x3000]uint8) {
	for r := rune(0x3000); r < 0xA000; r++ {
		switch {
		case isJapanese(r):
			t[r-0x3000] = 3
		case unicode.IsLetter(r):
			t[r-0x3000] = 1
		}
	}
	return t
}()
