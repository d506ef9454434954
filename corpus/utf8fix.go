package corpus

import "unicode/utf8"

// fixUTF8 replaces each invalid UTF-8 sequence in b (as utf8.DecodeRune
// sees them: one byte at a time) with U+FFFD and reports how many it
// replaced.
func fixUTF8(b []byte) ([]byte, int64) {
	out := make([]byte, 0, len(b)+8)
	var n int64
	for i := 0; i < len(b); {
		c := b[i]
		if c < utf8.RuneSelf {
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
			n++
			i++
			continue
		}
		out = append(out, b[i:i+size]...)
		i += size
	}
	return out, n
}

// fixUTF8String is fixUTF8 for strings; valid input is returned as is.
func fixUTF8String(s string) (string, int64) {
	if utf8.ValidString(s) {
		return s, 0
	}
	b, n := fixUTF8([]byte(s))
	return string(b), n
}
