package tokenize

import (
	"unicode"
	"unicode/utf8"
)

// span is a sentence's byte range [start, end) in the text being split.
type span struct{ start, end int }

// skipSpace returns the position of the first non-whitespace byte of
// line[a:b], or b.
func skipSpace(line []byte, a, b int) int {
	for a < b {
		c := line[a]
		if c < utf8.RuneSelf {
			if !isSpaceASCII(c) {
				break
			}
			a++
			continue
		}
		r, size := utf8.DecodeRune(line[a:b])
		if !unicode.IsSpace(r) {
			break
		}
		a += size
	}
	return a
}

// appendTrimmed appends line[a:b] without its leading and trailing
// whitespace, shifted by off, unless nothing is left.
func appendTrimmed(dst []span, line []byte, a, b, off int) []span {
	a = skipSpace(line, a, b)
	for a < b {
		c := line[b-1]
		if c < utf8.RuneSelf {
			if !isSpaceASCII(c) {
				break
			}
			b--
			continue
		}
		r, size := utf8.DecodeLastRune(line[a:b])
		if !unicode.IsSpace(r) {
			break
		}
		b -= size
	}
	if a < b {
		dst = append(dst, span{a + off, b + off})
	}
	return dst
}

func isSpaceASCII(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}
