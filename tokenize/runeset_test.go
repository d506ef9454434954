package tokenize

import (
	"testing"
	"unicode/utf8"
)

// naiveIndex is what runeSet.index must return: the first member that
// decodes as a valid rune, decoding from `from` like a range loop does.
func naiveIndex(s *runeSet, b []byte, from int) (int, rune, int) {
	for i := from; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r != utf8.RuneError && s.has(r) {
			return i, r, size
		}
		i += size
	}
	return -1, 0, 0
}

func FuzzRuneSetIndex(f *testing.F) {
	for _, c := range splitterCases {
		f.Add([]byte(c.in), 0)
	}
	f.Add([]byte("\xe0\x80\xae.\xed\xa0\x80「\xf0\x9f\x8d\xa3」"), 0) // overlong '.', surrogate, emoji
	members := append(append([]rune{'\U0001F363', 'é'}, defaultDelimiters...), '「', '」', '(', ')')
	s := newRuneSet(members...)
	f.Fuzz(func(t *testing.T, b []byte, from int) {
		if from < 0 || from > len(b) {
			return
		}
		// Start at a rune start, as the splitter always does.
		for from < len(b) && !utf8.RuneStart(b[from]) {
			from++
		}
		for from <= len(b) {
			gi, gr, gs := s.index(b, from)
			wi, wr, ws := naiveIndex(s, b, from)
			if gi != wi || gr != wr || gs != ws {
				t.Fatalf("index(%q, %d) = %d %q %d, want %d %q %d", b, from, gi, gr, gs, wi, wr, ws)
			}
			if gi < 0 {
				break
			}
			from = gi + gs
		}
	})
}
