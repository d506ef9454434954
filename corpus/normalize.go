package corpus

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// NormalizeOptions switch the normalization steps; each is on by default.
type NormalizeOptions struct {
	// NFKC applies Unicode compatibility normalization (full-width ASCII
	// to ASCII, half-width katakana to full width, U+3000 to a space...).
	NFKC bool
	// Newlines turns \r\n, \r, U+0085, U+2028 and U+2029 into \n.
	Newlines bool
	// StripControls removes control characters (Cc, except \n and \t) and
	// format characters (Cf: zero-width spaces and joiners, BOM, soft
	// hyphen, bidi marks).
	StripControls bool
	// CollapseSpaces turns each run of spaces and tabs into one space and
	// trims spaces at the start and end of every line.
	CollapseSpaces bool
}

// DefaultNormalizeOptions turns every normalization step on.
func DefaultNormalizeOptions() NormalizeOptions {
	return NormalizeOptions{NFKC: true, Newlines: true, StripControls: true, CollapseSpaces: true}
}

// normalizer holds the scratch buffers of one worker.
type normalizer struct {
	opts NormalizeOptions
	a, b []byte
}

// normStats counts what normalization changed in one document.
type normStats struct {
	invalidUTF8     int64
	controlsRemoved int64
	spacesRemoved   int64
	nfkcChanged     bool
}

// normalize returns the normalized text. The result aliases the
// normalizer's buffers and is valid until the next call.
func (n *normalizer) normalize(s string, st *normStats) []byte {
	n.a = n.stripAndBreak(n.a[:0], s, st)
	text := n.a
	if n.opts.NFKC {
		n.b = appendNFKC(n.b[:0], text)
		if !bytes.Equal(n.b, text) {
			st.nfkcChanged = true
		}
		text, n.a, n.b = n.b, n.b, n.a
	}
	if n.opts.CollapseSpaces {
		var removed int64
		text, removed = collapseSpaces(text)
		st.spacesRemoved += removed
	}
	return text
}

// stripAndBreak appends s to dst with invalid UTF-8 replaced by U+FFFD
// (and counted), line ends unified and control and format characters
// removed, as the options ask.
func (n *normalizer) stripAndBreak(dst []byte, s string, st *normStats) []byte {
	nl, strip := n.opts.Newlines, n.opts.StripControls
	for i := 0; i < len(s); {
		// Copy the longest run of characters that stay as they are:
		// printable ASCII, \n, \t and the common 3-byte characters.
		j := i
		for j < len(s) {
			c := s[j]
			if c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' {
				j++
				continue
			}
			// Kana, kanji and CJK punctuation (what plain3 accepts first),
			// tested inline: plain3 is too large to be inlined.
			if c >= 0xE3 && c <= 0xEC && j+2 < len(s) && s[j+1]&0xC0 == 0x80 && s[j+2]&0xC0 == 0x80 {
				j += 3
				continue
			}
			// Latin with diacritics, Greek, Cyrillic, Armenian, Hebrew
			// (U+00C0..U+05FF): no control or format character there.
			if c >= 0xC3 && c <= 0xD7 && j+1 < len(s) && s[j+1]&0xC0 == 0x80 {
				j += 2
				continue
			}
			if c >= utf8.RuneSelf && plain3(s, j) {
				j += 3
				continue
			}
			break
		}
		if j > i {
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\r' && nl:
				dst = append(dst, '\n')
				if i+1 < len(s) && s[i+1] == '\n' {
					i++
				}
			case strip:
				st.controlsRemoved++
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = utf8.AppendRune(dst, utf8.RuneError)
			st.invalidUTF8++
		case nl && (r == 0x85 || r == 0x2028 || r == 0x2029):
			dst = append(dst, '\n')
		case strip && (unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r)):
			st.controlsRemoved++
		default:
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// spaceSpecial marks the bytes collapseSpaces must look at: ASCII white
// space, line ends, and the lead bytes of the non-ASCII spaces (U+00A0,
// U+1680, U+2000..U+205F, U+3000).
var spaceSpecial = [256]bool{' ': true, '\t': true, '\n': true, 0xC2: true, 0xE1: true, 0xE2: true, 0xE3: true}

// collapseSpaces rewrites b in place: every run of horizontal white space
// becomes one ASCII space, and white space at the start and end of each
// line goes. It returns the shortened slice and the number of characters
// removed (a replaced character counts as removed when it was not a plain
// space).
func collapseSpaces(b []byte) ([]byte, int64) {
	w := 0
	var removed int64
	lineStart := true
	pending := 0 // white-space characters seen since the last kept character
	emit := func(i, j int) {
		if pending > 0 {
			if lineStart {
				removed += int64(pending)
			} else {
				removed += int64(pending - 1)
				b[w] = ' '
				w++
			}
			pending = 0
		}
		lineStart = false
		if w == i {
			w = j // nothing removed yet: the bytes are in place
		} else {
			w += copy(b[w:], b[i:j])
		}
	}
	for i := 0; i < len(b); {
		j := i
		for j < len(b) {
			c := b[j]
			// Kana (0xE3, as U+3000 is), kanji and the rest of 0xE3..0xEF
			// are skipped whole but for U+3000, tested with one compare:
			// branching on 0xE3 first mispredicts in text mixing kana and
			// kanji.
			if c >= 0xE3 && c <= 0xEF && j+2 < len(b) {
				if uint32(c)<<16|uint32(b[j+1])<<8|uint32(b[j+2]) == 0xE38080 {
					break
				}
				j += 3
				continue
			}
			if !spaceSpecial[c] {
				j++
				continue
			}
			break
		}
		j = min(j, len(b))
		if j > i {
			emit(i, j)
			i = j
			continue
		}
		c := b[i]
		switch {
		case c == ' ' || c == '\t':
			pending++
			i++
		case c == '\n':
			removed += int64(pending)
			pending = 0
			b[w] = '\n'
			w++
			lineStart = true
			i++
		case c == 0xE3:
			if i+2 < len(b) && b[i+1] == 0x80 && b[i+2] == 0x80 {
				pending++ // U+3000 IDEOGRAPHIC SPACE
				i += 3
				continue
			}
			emit(i, i+1) // a lead byte; its continuation bytes follow
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r != '\n' && unicode.IsSpace(r) {
				pending++
				i += size
				continue
			}
			emit(i, i+1)
			i++
		}
	}
	removed += int64(pending)
	return b[:w], removed
}

// plain3 reports whether s[i:] starts with a valid 3-byte sequence that is
// neither a control, a format character nor a line break: U+3000..U+CFFF
// (CJK, kana, Hangul), U+2070..U+2FFF, and U+F000..U+FFFF but for U+FEFF
// and U+FFF9..U+FFFB.
func plain3(s string, i int) bool {
	if i+2 >= len(s) {
		return false
	}
	c, c1, c2 := s[i], s[i+1], s[i+2]
	if c1&0xC0 != 0x80 || c2&0xC0 != 0x80 {
		return false
	}
	switch {
	case c >= 0xE3 && c <= 0xEC:
		return true
	case c == 0xEF:
		return c1 != 0xBB && c1 != 0xBF
	case c == 0xE2:
		return c1 > 0x81 || c1 == 0x81 && c2 >= 0xB0
	}
	return false
}
