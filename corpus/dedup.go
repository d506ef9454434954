package corpus

import "math/bits"

// Constants of the multiply-mix hash (the primes of wyhash).
const (
	hp0 = 0xa0761d6478bd642f
	hp1 = 0xe7037ed1a0b428db
	hp2 = 0x8ebc6af09c88c6e3
	hp3 = 0x589965cc75374cc3
)

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// hash64 is a fast, fixed-seed 64-bit hash of s (wyhash-style 128-bit
// multiply mixing, 16 bytes a step). A fixed seed keeps de-duplication, and
// so the output, the same from run to run.
func hash64(s string) uint64 {
	n := len(s)
	h := uint64(n)*hp3 ^ hp0
	for len(s) >= 16 {
		h = mix(le64(s)^hp1, le64(s[8:])^h)
		s = s[16:]
	}
	var a, b uint64
	switch {
	case len(s) >= 8:
		a = le64(s)
		b = load(s[8:])
	default:
		a = load(s)
	}
	return mix(hp1^uint64(n), mix(a^hp2, b^h))
}

// le64 reads 8 bytes little-endian (the compiler merges this into one load).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// load reads up to 8 bytes little-endian, zero-padded.
func load(s string) uint64 {
	var v uint64
	for i := len(s) - 1; i >= 0; i-- {
		v = v<<8 | uint64(s[i])
	}
	return v
}

// hashSet is an open-addressing set of 64-bit hashes: 8 bytes a slot at a
// load of at most 3/4, so ten million sentences take about 128 MB.
type hashSet struct {
	slots []uint64
	n     int
	zero  bool // whether the hash 0 (the empty-slot marker) is in the set
}

func newHashSet() *hashSet { return &hashSet{slots: allocSlots(1 << 16)} }

// free releases the table; the set must not be used afterwards.
func (s *hashSet) free() {
	freeSlots(s.slots)
	s.slots = nil
}

// add inserts h and reports whether it was new.
func (s *hashSet) add(h uint64) bool {
	if h == 0 {
		if s.zero {
			return false
		}
		s.zero = true
		return true
	}
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return false
		case 0:
			s.slots[i] = h
			s.n++
			return true
		}
	}
}

// peek loads the slot where add would first look for h, to bring it into
// the cache ahead of add; the value means nothing.
func (s *hashSet) peek(h uint64) uint64 {
	return s.slots[h&uint64(len(s.slots)-1)]
}

// Len returns the number of hashes in the set.
func (s *hashSet) Len() int {
	if s.zero {
		return s.n + 1
	}
	return s.n
}

func (s *hashSet) grow() {
	old := s.slots
	s.slots = allocSlots(2 * len(old))
	defer freeSlots(old)
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}
