package corpus

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// appendNFKC appends the NFKC form of src (valid UTF-8) to dst, like
// norm.NFKC.Append but much faster on Japanese text: runs of characters
// that NFKC leaves alone and that never combine with a preceding character
// (ASCII, hiragana, katakana, CJK ideographs, common Japanese punctuation,
// and such letters of the scripts below U+3000: accented Latin, Greek,
// Cyrillic, Arabic, Devanagari...)
// are copied; only the stretches between them, together with the one
// character before each stretch (which a combining mark could join), go
// through norm.NFKC. Equality with norm.NFKC is checked by
// TestAppendNFKCMatchesNorm and FuzzAppendNFKC.
func appendNFKC(dst, src []byte) []byte {
	// prevSrc and prevDst locate the last character copied or mapped by
	// the fast paths, in src and dst, so that a slow stretch can start over
	// from it; -1 when the last output came from norm.
	prevSrc, prevDst := -1, -1
	for i := 0; i < len(src); {
		j := stableSpan(src, i)
		if j > i {
			dst = append(dst, src[i:j]...)
			_, size := utf8.DecodeLastRune(src[i:j])
			prevSrc, prevDst = j-size, len(dst)-size
			i = j
			continue
		}
		// A full-width ASCII character or U+3000 maps to one ASCII byte,
		// unless a combining mark follows.
		if m, ok := simpleNFKC(src, i); ok && (i+3 == len(src) || stableLen(src, i+3) > 0 || isSimpleNFKC(src, i+3)) {
			prevSrc, prevDst = i, len(dst)
			dst = append(dst, m)
			i += 3
			continue
		}
		k := i
		if prevSrc >= 0 {
			// A combining mark in the stretch may compose with the
			// character before it: normalize that one again with it.
			k, dst = prevSrc, dst[:prevDst]
		}
		e := i
		for e < len(src) && stableLen(src, e) == 0 {
			_, size := utf8.DecodeRune(src[e:])
			e += size
		}
		dst = norm.NFKC.Append(dst, src[k:e]...)
		prevSrc, prevDst = -1, -1
		i = e
	}
	return dst
}

// simpleNFKC returns the ASCII byte NFKC maps the character at src[i] to
// when it is full-width ASCII (U+FF01..U+FF5E) or U+3000.
func simpleNFKC(src []byte, i int) (byte, bool) {
	if i+2 >= len(src) {
		return 0, false
	}
	c0, c1, c2 := src[i], src[i+1], src[i+2]
	switch {
	case c0 == 0xEF && c1 == 0xBC && c2 >= 0x81 && c2 <= 0xBF:
		return c2 - 0x81 + 0x21, true // U+FF01..U+FF3F → ! .. _
	case c0 == 0xEF && c1 == 0xBD && c2 >= 0x80 && c2 <= 0x9E:
		return c2 - 0x80 + 0x60, true // U+FF40..U+FF5E → ` .. ~
	case c0 == 0xE3 && c1 == 0x80 && c2 == 0x80:
		return ' ', true
	}
	return 0, false
}

func isSimpleNFKC(src []byte, i int) bool {
	_, ok := simpleNFKC(src, i)
	return ok
}

// stableE3 has a bit for every character in U+3000..U+3FFF that NFKC
// leaves alone in any context and that never composes with a preceding
// character: Japanese punctuation 、。々〈〉《》「」『』【】〜, hiragana,
// katakana, ・ー, and CJK extension A from U+3400.
var stableE3 = func() (t [0x1000 / 64]uint64) {
	set := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			t[(r-0x3000)>>6] |= 1 << ((r - 0x3000) & 63)
		}
	}
	set(0x3001, 0x3002)
	set(0x3005, 0x3005)
	set(0x3008, 0x3011)
	set(0x301C, 0x301C)
	set(0x3041, 0x3096)
	set(0x30A1, 0x30FC)
	set(0x3400, 0x3FFF)
	return t
}()

// stable3 is stableE3 extended to U+3000..U+9FFF: the characters that
// stableLen accepts among those encoded with lead bytes 0xE3..0xE9.
var stable3 = func() (t [0x7000 / 64]uint64) {
	copy(t[:], stableE3[:])
	for r := 0x4000 - 0x3000; r < 0x7000; r++ {
		t[r>>6] |= 1 << (r & 63)
	}
	return t
}()

// stableLow has a bit for every character in U+0080..U+2FFF that NFKC
// leaves alone as the start of a sequence and that never composes with a
// preceding character (norm's BoundaryBefore, canonical class 0): Latin
// letters with diacritics, Greek, Cyrillic, Hebrew and Arabic letters,
// Devanagari, Thai; not combining marks or conjoining jamo. A combining
// mark after one of them is normalized together with it on the slow path,
// as after a kana. It lets German, Russian, Hindi... text take the fast
// path as Japanese does.
var stableLow = func() (t [0x3000 / 64]uint64) {
	var buf [4]byte
	for r := rune(0x80); r < 0x3000; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := buf[:utf8.EncodeRune(buf[:], r)]
		p := norm.NFKC.Properties(s)
		if p.BoundaryBefore() && p.CCC() == 0 && norm.NFKC.IsNormal(s) {
			t[r>>6] |= 1 << (r & 63)
		}
	}
	return t
}()

// lowStable reports whether the 2- or 3-byte character at src[i] (lead
// byte 0xC2..0xE2) is in stableLow, and its length.
func lowStable(src []byte, i int) int {
	c := src[i]
	if c < 0xE0 {
		if i+1 >= len(src) {
			return 0
		}
		r := uint(c&0x1F)<<6 | uint(src[i+1]&0x3F)
		if stableLow[r>>6]&(1<<(r&63)) != 0 {
			return 2
		}
		return 0
	}
	if i+2 >= len(src) {
		return 0
	}
	r := uint(c&0x0F)<<12 | uint(src[i+1]&0x3F)<<6 | uint(src[i+2]&0x3F)
	if r < 0x3000 && stableLow[r>>6]&(1<<(r&63)) != 0 {
		return 3
	}
	return 0
}

// stableLen returns the byte length of the character at src[i] when NFKC
// leaves it unchanged in every context and it is never the second part of
// a composition, or 0 otherwise. src is valid UTF-8.
func stableLen(src []byte, i int) int {
	c := src[i]
	if c < utf8.RuneSelf {
		return 1
	}
	if c >= 0xC2 && c <= 0xE2 {
		return lowStable(src, i)
	}
	if i+2 >= len(src) {
		return 0
	}
	switch {
	case c >= 0xE4 && c <= 0xE9:
		// U+4000..U+9FFF: CJK extension A (end), Yijing symbols, CJK
		// unified ideographs: no decompositions.
		return 3
	case c == 0xE3:
		r := uint(src[i+1]&0x3F)<<6 | uint(src[i+2]&0x3F)
		if stableE3[r>>6]&(1<<(r&63)) != 0 {
			return 3
		}
	}
	return 0
}

// stableSpan returns the end of the run of stable characters (as
// stableLen sees them) that starts at src[i].
func stableSpan(src []byte, i int) int {
	for i < len(src) {
		c := src[i]
		switch {
		case c < utf8.RuneSelf:
			i++
			continue
		case c >= 0xE3 && c <= 0xE9:
			// One table for kana and kanji alike: branching on 0xE3 first
			// mispredicts in text that mixes them. Tested before the
			// scripts below U+3000 so that Japanese pays nothing for them.
			if i+2 >= len(src) {
				return i
			}
			r := uint(c&0x0F)<<12 | uint(src[i+1]&0x3F)<<6 | uint(src[i+2]&0x3F) - 0x3000
			if stable3[r>>6]&(1<<(r&63)) != 0 {
				i += 3
				continue
			}
		case c >= 0xC2 && c <= 0xE2:
			if n := lowStable(src, i); n > 0 {
				i += n
				continue
			}
		}
		return i
	}
	return i
}
