package tokenize

// runeSet is a membership test for a small set of runes that is fast for
// the common case of a rune that is not in the set: one bit lookup for runes
// of the Basic Multilingual Plane.
type runeSet struct {
	bmp   [0x10000 / 64]uint64
	other []rune // members above the BMP (rare)
}

func newRuneSet(rs ...rune) *runeSet {
	s := &runeSet{}
	for _, r := range rs {
		s.add(r)
	}
	return s
}

func (s *runeSet) add(r rune) {
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
