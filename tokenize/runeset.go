package tokenize

import (
	"unicode/utf8"
)

// runeSet is a membership test for a small set of runes, built to find the
// next member in UTF-8 text quickly: most text holds no member, and a byte
// pair filter rejects a non-member without decoding it.
type runeSet struct {
	bmp   [0x10000 / 64]uint64
	other []rune // members above the BMP (rare)
	// pair marks the first two bytes of every member's UTF-8 encoding
	// (for multi-byte members): pair[b0][b1>>6] bit b1&63.
	pair [256][4]uint64
}

func newRuneSet(rs ...rune) *runeSet {
	s := &runeSet{}
	for _, r := range rs {
		s.add(r)
	}
	return s
}

func (s *runeSet) add(r rune) {
	if r >= utf8.RuneSelf {
		var enc [utf8.UTFMax]byte
		if n := utf8.EncodeRune(enc[:], r); n >= 2 {
			s.pair[enc[0]][enc[1]>>6] |= 1 << (enc[1] & 63)
		}
	}
	if r >= 0 && r < 0x10000 {
		s.bmp[r>>6] |= 1 << (uint(r) & 63)
		return
	}
	for _, o := range s.other {
		if o == r {
			return
		}
	}
	s.other = append(s.other, r)
}

func (s *runeSet) has(r rune) bool {
	if r >= 0 && r < 0x10000 {
		return s.bmp[r>>6]&(1<<(uint(r)&63)) != 0
	}
	for _, o := range s.other {
		if o == r {
			return true
		}
	}
	return false
}

// index returns the byte offset, value and size of the first member in
// b[from:] that decodes as a valid rune, or -1.
func (s *runeSet) index(b []byte, from int) (int, rune, int) {
	for i := from; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			if s.bmp[c>>6]&(1<<(c&63)) != 0 {
				return i, rune(c), 1
			}
			i++
			continue
		}
		// Three-byte sequences (kana, kanji, CJK punctuation) are decoded
		// inline; overlong forms and surrogates are not runes.
		if c >= 0xE0 && c < 0xF0 && i+2 < len(b) && b[i+1]&0xC0 == 0x80 && b[i+2]&0xC0 == 0x80 {
			// No member starts with these two bytes (all kana and kanji
			// for the splitter's sets): skip without decoding.
			if c1 := b[i+1]; s.pair[c][c1>>6]&(1<<(c1&63)) == 0 {
				i += 3
				continue
			}
			r := rune(c&0x0F)<<12 | rune(b[i+1]&0x3F)<<6 | rune(b[i+2]&0x3F)
			if r >= 0x800 && (r < 0xD800 || r > 0xDFFF) && s.bmp[r>>6]&(1<<(uint(r)&63)) != 0 {
				return i, r, 3
			}
			i += 3
			continue
		}
		if i+1 < len(b) {
			c1 := b[i+1]
			if s.pair[c][c1>>6]&(1<<(c1&63)) != 0 {
				r, size := utf8.DecodeRune(b[i:])
				if r != utf8.RuneError && s.has(r) {
					return i, r, size
				}
				i += size
				continue
			}
		}
		i++
	}
	return -1, 0, 0
}
