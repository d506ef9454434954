package corpus

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
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
	if !utf8.ValidString(s) {
		var k int64
		s, k = fixUTF8String(s)
		st.invalidUTF8 += k
	}
	n.a = n.stripAndBreak(n.a[:0], s, st)
	text := n.a
	if n.opts.NFKC {
		n.b = norm.NFKC.Append(n.b[:0], text...)
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

// stripAndBreak appends s to dst with line ends unified and control and
// format characters removed, as the options ask.
func (n *normalizer) stripAndBreak(dst []byte, s string, st *normStats) []byte {
	nl, strip := n.opts.Newlines, n.opts.StripControls
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			// Copy a run of printable ASCII at once.
			j := i + 1
			for j < len(s) && s[j] >= 0x20 && s[j] < 0x7f {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		if c < utf8.RuneSelf {
			switch {
			case c == '\n' || c == '\t':
				dst = append(dst, c)
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
		// Lead bytes E3..E9 and EA..ED start U+3000..U+DFFF: CJK, kana and
		// Hangul, none of them controls or line breaks. Copy those whole.
		if c >= 0xE3 && c <= 0xED && i+2 < len(s) {
			dst = append(dst, s[i:i+3]...)
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
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
	for i := 0; i < len(b); {
		c := b[i]
		size := 1
		space := false
		switch {
		case c == ' ' || c == '\t':
			space = true
		case c == '\n':
			removed += int64(pending)
			pending = 0
			b[w] = '\n'
			w++
			lineStart = true
			i++
			continue
		case c == 0xC2 || c == 0xE1 || c == 0xE2:
			// Lead bytes of U+00A0, U+1680, U+2000..U+205F.
			var r rune
			r, size = utf8.DecodeRune(b[i:])
			space = r != '\n' && unicode.IsSpace(r)
		case c == 0xE3 && i+2 < len(b) && b[i+1] == 0x80 && b[i+2] == 0x80:
			space, size = true, 3 // U+3000 IDEOGRAPHIC SPACE
		default:
			size = seqLen(c)
		}
		if i+size > len(b) {
			size = len(b) - i
		}
		if space {
			pending++
			i += size
			continue
		}
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
		w += copy(b[w:], b[i:i+size])
		i += size
	}
	removed += int64(pending)
	return b[:w], removed
}

// seqLen returns the length of the UTF-8 sequence that lead byte c starts
// (the text is valid UTF-8 here).
func seqLen(c byte) int {
	switch {
	case c < 0x80:
		return 1
	case c < 0xE0:
		return 2
	case c < 0xF0:
		return 3
	}
	return 4
}
