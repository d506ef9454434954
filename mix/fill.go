package mix

import (
	"math/bits"
	"slices"
)

// bitset is a set of sums 0..size-1.
type bitset []uint64

func newBitset(size int64) bitset { return make(bitset, (size+63)/64) }

func (b bitset) has(i int64) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b bitset) set(i int64)      { b[i>>6] |= 1 << (uint(i) & 63) }

// orShift sets b |= src<<k, dropping sums at or beyond size. b and src may
// be the same set: words are visited from the top down, so each source word
// is read before it is changed (0/1 knapsack semantics).
func (b bitset) orShift(src bitset, k int64, size int64) {
	ws, bs := int(k>>6), uint(k&63)
	for i := len(b) - 1; i >= ws; i-- {
		v := src[i-ws] << bs
		if bs > 0 && i-ws-1 >= 0 {
			v |= src[i-ws-1] >> (64 - bs)
		}
		b[i] |= v
	}
	if r := uint(size & 63); r != 0 {
		b[len(b)-1] &= (1 << r) - 1
	}
}

// highest returns the largest member not above max, or -1.
func (b bitset) highest(max int64) int64 {
	for i := max; i >= 0; {
		w := b[i>>6] & (^uint64(0) >> (63 - uint(i)&63))
		if w != 0 {
			return i&^63 + int64(63-bits.LeadingZeros64(w))
		}
		i = i&^63 - 1
	}
	return -1
}

// fillGroup is one article offered to the exact fill: using any of its
// items (sentence lines) costs its overhead (heading, closing blank line)
// once; using none costs nothing.
type fillGroup struct {
	overhead int64
	costs    []int64
}

// filler solves the exact fill: choose items from groups so that the total
// cost, overheads included, is exactly goal, or failing that as close to it
// as possible without going over. It is a subset-sum over bitsets of
// reachable totals; groups are added one at a time so the caller can stop
// as soon as goal is reachable.
type filler struct {
	goal   int64
	size   int64
	reach  bitset   // totals reachable with the groups added so far
	before []bitset // reach before each group, for the way back
	groups []fillGroup
}

func newFiller(goal int64) *filler {
	f := &filler{goal: goal, size: goal + 1, reach: newBitset(goal + 1)}
	f.reach.set(0)
	return f
}

// add offers one more group and reports whether goal is now reachable.
func (f *filler) add(g fillGroup) bool {
	f.before = append(f.before, slices.Clone(f.reach))
	f.groups = append(f.groups, g)
	t := f.groupReach(f.reach, g, nil)
	for i := range f.reach {
		f.reach[i] |= t[i]
	}
	return f.reach.has(f.goal)
}

// reached reports whether goal is reachable.
func (f *filler) reached() bool { return f.reach.has(f.goal) }

// groupReach returns the totals reachable by using group g (at least one
// item) on top of the totals in base. With par non-nil it records, for each
// total, the first item that reached it.
func (f *filler) groupReach(base bitset, g fillGroup, par []int32) bitset {
	t := newBitset(f.size)
	if g.overhead >= f.size {
		return t
	}
	s0 := newBitset(f.size)
	s0.orShift(base, g.overhead, f.size)
	var prev bitset
	if par != nil {
		prev = newBitset(f.size)
	}
	for i, c := range g.costs {
		if c >= f.size {
			continue
		}
		if par != nil {
			copy(prev, t)
		}
		t.orShift(t, c, f.size)
		t.orShift(s0, c, f.size)
		if par != nil {
			for w := range t {
				nw := t[w] &^ prev[w]
				for nw != 0 {
					b := bits.TrailingZeros64(nw)
					par[int64(w)*64+int64(b)] = int32(i)
					nw &= nw - 1
				}
			}
		}
	}
	return t
}

// solve returns the best total (goal when reachable) and, per group, the
// indices of the items chosen (nil for an unused group), in item order.
func (f *filler) solve() (int64, [][]int) {
	best := f.reach.highest(f.goal)
	chosen := make([][]int, len(f.groups))
	x := best
	for gi := len(f.groups) - 1; gi >= 0 && x > 0; gi-- {
		base := f.before[gi]
		if base.has(x) {
			continue
		}
		g := f.groups[gi]
		par := make([]int32, f.size)
		for i := range par {
			par[i] = -1
		}
		f.groupReach(base, g, par)
		var items []int
		for {
			i := par[x]
			items = append(items, int(i))
			y := x - g.costs[i]
			if y >= 0 && par[y] >= 0 && par[y] < i {
				x = y
				continue
			}
			x = y - g.overhead
			break
		}
		slices.Sort(items)
		chosen[gi] = items
	}
	return best, chosen
}
