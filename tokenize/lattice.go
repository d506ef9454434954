package tokenize

import (
	"slices"
	"sync"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/dict"
)

// This file is a Normal-mode morphological analyser over kagome's
// dictionary data (kagome-dict): the same lattice and the same Viterbi
// search as kagome's tokenizer, node for node and in the same order, so that
// ties between equal-cost paths resolve the same way and the segmentation
// is identical (TestLatticeMatchesKagome and FuzzLatticeMatchesKagome hold
// it to that). It differs in how: nodes live in one reusable slice per
// analysis instead of one pooled object each, each node is costed when it
// is created, and the best predecessor is found once per left id and
// position (see analyze and best), which makes it about three times as fast
// (BenchmarkWakati, BenchmarkKagomeWakati). User dictionaries are left to
// kagome's own tokenizer.

const (
	latMaxCost        = 1<<31 - 1
	latMaxUnknownRune = 1024 // kagome's cap on a grouped unknown word
)

// Node classes, as kagome numbers them.
const (
	classDummy   uint8 = iota // BOS, EOS
	classKnown                // a dictionary entry
	classUnknown              // built by the unknown-word rules
)

// latNode is one candidate morpheme, input[pos:pos+size]. Its left id,
// word cost and end are used when it is created and not kept.
type latNode struct {
	id        int32
	pos, size int32
	cost      int32
	prev      int32 // index of the best previous node, -1 for none
	nextEnd   int32 // the next node (in creation order) with the same end, -1 for none
	right     int16 // right connection id
	class     uint8
}

// latMorph is a dictionary entry's connection ids and word cost, with the
// number of entries after it that share its surface (for known words).
type latMorph struct {
	left, right, weight int16
	dup                 int32
}

// latDict is the dictionary data the analyser reads, flattened once.
type latDict struct {
	d      *dict.Dict
	morphs []latMorph // by known-word id
	unkID  [256]int32
	unkDup [256]int32
	// conn is the connection-cost matrix as kagome stores it (transposed):
	// the costs of all right ids into left id l are conn[l*connRow:][:connRow].
	conn    []int16
	connRow int
	connCol int // the number of left ids
	// needPOS loads d.POSTable if it is not loaded yet; appendFeatures
	// calls it.
	needPOS func()
}

func newLatDict(d *dict.Dict) *latDict {
	ld := &latDict{d: d, needPOS: func() {}, morphs: make([]latMorph, len(d.Morphs)),
		conn: d.Connection.Vec, connRow: int(d.Connection.Row), connCol: int(d.Connection.Col)}
	for id, m := range d.Morphs {
		ld.morphs[id] = latMorph{left: m.LeftID, right: m.RightID, weight: m.Weight}
	}
	for id, n := range d.Index.Dup {
		if id >= 0 && int(id) < len(ld.morphs) {
			ld.morphs[id].dup = n
		}
	}
	for class, id := range d.UnkDict.Index {
		if class >= 0 && class < 256 {
			ld.unkID[class] = id
		}
	}
	for class, n := range d.UnkDict.IndexDup {
		if class >= 0 && class < 256 {
			ld.unkDup[class] = n
		}
	}
	return ld
}

// latPrev is a node ending where new nodes start, packed for the inner
// loop of the search.
type latPrev struct {
	right int32
	cost  int32
	idx   int32
}

// lattice holds one analysis; it is reused through latticePool.
type lattice struct {
	nodes   []latNode
	endHead []int32 // first and last node ending at each rune position, -1 for none
	endTail []int32
	runeAt  []int32 // rune index of each byte offset that starts a rune, else -1
	prevs   []latPrev
	path    []int32

	// The cheapest way into each left id from la.prevs, computed once per
	// left id and position (many nodes starting at a position share left
	// ids): valid where memoGen[left] == gen.
	gen  uint32
	memo []latMemo // by left id
}

// latMemo is the cheapest predecessor for one left id at one position,
// before the word cost: valid when gen is the lattice's.
type latMemo struct {
	gen  uint32
	prev int32
	cost int64
}

var latticePool = sync.Pool{New: func() any { return new(lattice) }}

// add appends a node for input[pos:pos+size], ending at rune end, costed
// against the nodes in la.prevs, and links it into the list of nodes
// ending at end.
func (la *lattice) add(ld *latDict, id, pos, size, end int32, m latMorph, class uint8) {
	cost, prev := la.best(ld, m.left, m.weight)
	i := int32(len(la.nodes))
	if len(la.nodes) == cap(la.nodes) {
		la.nodes = slices.Grow(la.nodes, 1)
	}
	la.nodes = la.nodes[:i+1]
	// Field by field: a struct literal is built on the stack with narrow
	// stores and copied with wide loads, which stalls store forwarding.
	n := &la.nodes[i]
	n.id, n.pos, n.size, n.cost, n.prev, n.nextEnd, n.right, n.class = id, pos, size, cost, prev, -1, m.right, class
	if t := la.endTail[end]; t >= 0 {
		la.nodes[t].nextEnd = i
	} else {
		la.endHead[end] = i
	}
	la.endTail[end] = i
}

// gatherPrevs loads la.prevs with the nodes ending at rune e, in creation
// order (the order kagome tries them in, which settles ties).
func (la *lattice) gatherPrevs(e int32) {
	la.gen++
	if la.gen == 0 { // wrapped: forget every memo
		clear(la.memo)
		la.gen = 1
	}
	la.prevs = la.prevs[:0]
	for i := la.endHead[e]; i >= 0; i = la.nodes[i].nextEnd {
		n := &la.nodes[i]
		la.prevs = append(la.prevs, latPrev{right: int32(n.right), cost: n.cost, idx: i})
	}
}

// resetInts sets s to n copies of v, reusing its storage.
func resetInts(s []int32, n int, v int32) []int32 {
	if cap(s) < n {
		s = make([]int32, n)
	}
	s = s[:n]
	for i := range s {
		s[i] = v
	}
	return s
}

// analyze appends to la.path the indices of the best path's nodes for
// input, BOS and EOS excluded, in order.
//
// Every node starting at a rune position is costed as it is created: the
// nodes it can follow (those ending there) all started earlier and are
// final by then. This is kagome's forward pass in another order; each
// node's cost and predecessor, ties included, come out the same, since they
// depend only on the nodes ending where it starts, tried in creation order.
func (ld *latDict) analyze(la *lattice, input string) {
	d := ld.d
	la.nodes, la.path = la.nodes[:0], la.path[:0]
	la.runeAt = resetInts(la.runeAt, len(input)+1, -1)
	rc := int32(0)
	for i := range input {
		la.runeAt[i] = rc
		rc++
	}
	la.runeAt[len(input)] = rc
	la.endHead = resetInts(la.endHead, int(rc)+2, -1)
	la.endTail = resetInts(la.endTail, int(rc)+2, -1)

	// BOS (node 0) ends at rune 0; EOS (node 1) starts at rc and is placed
	// at rc+1; it is costed last.
	la.prevs = la.prevs[:0]
	la.add(ld, -1, 0, 0, 0, latMorph{}, classDummy)
	la.nodes[0].cost, la.nodes[0].prev = 0, -1
	la.nodes = append(la.nodes, latNode{id: -1, pos: int32(len(input)), prev: -1, nextEnd: -1, class: classDummy})

	da := d.Index.Da
	daLen := uint(len(da))
	runePos := int32(-1)
	for pos, ch := range input {
		runePos++
		la.gatherPrevs(runePos)
		anyMatch := false
		// Dictionary words starting at pos: a common-prefix search of the
		// double-array trie, as kagome's, without a callback.
		for i, q := pos, 0; i < len(input); i++ {
			c := input[i]
			if c == 0 {
				break
			}
			p := q
			q = int(da[p].Base) + int(c)
			if uint(q) >= daLen || int(da[q].Check) != p {
				break
			}
			ahead := int(da[q].Base) // + the terminator, 0
			if uint(ahead) >= daLen || int(da[ahead].Check) != q || da[ahead].Base > 0 {
				continue
			}
			x, l := int(-da[ahead].Base), i+1-pos
			end := la.runeAt[pos+l]
			if end < 0 {
				end = runePos + int32(utf8.RuneCountInString(input[pos:pos+l]))
			}
			for id := x; id <= x+int(ld.morphs[x].dup); id++ {
				la.add(ld, int32(id), int32(pos), int32(l), end, ld.morphs[id], classKnown)
			}
			anyMatch = true
		}
		class := d.CharacterCategory(ch)
		if anyMatch && !d.InvokeList[class] {
			continue
		}
		endPos := pos + 1
		if ch != utf8.RuneError {
			endPos = pos + utf8.RuneLen(ch)
		}
		unkLen := int32(1)
		if d.GroupList[class] {
			for i := endPos; i < len(input); {
				c, w := utf8.DecodeRuneInString(input[i:])
				if d.CharacterCategory(c) != class {
					break
				}
				endPos += w
				i += w
				unkLen++
				if unkLen >= latMaxUnknownRune {
					break
				}
			}
		}
		// A candidate one character shorter, too, unless the last one is invalid.
		prev := pos
		if c, size := utf8.DecodeLastRuneInString(input[pos:endPos]); c != utf8.RuneError {
			prev = endPos - size
		}
		endFull := la.runeAt[endPos]
		if endFull < 0 {
			endFull = runePos + int32(utf8.RuneCountInString(input[pos:endPos]))
		}
		endShort := la.runeAt[prev]
		if endShort < 0 {
			endShort = runePos + int32(utf8.RuneCountInString(input[pos:prev]))
		}
		id0 := ld.unkID[class]
		for x := range ld.unkDup[class] + 1 {
			um := d.UnkDict.Morphs[id0+x]
			m := latMorph{left: um.LeftID, right: um.RightID, weight: um.Weight}
			if pos < prev {
				la.add(ld, id0+x, int32(pos), int32(prev-pos), endShort, m, classUnknown)
			}
			la.add(ld, id0+x, int32(pos), int32(endPos-pos), endFull, m, classUnknown)
		}
	}

	// EOS, then backward from it.
	la.gatherPrevs(rc)
	nodes := la.nodes
	nodes[1].cost, nodes[1].prev = la.best(ld, 0, 0) // BOS and EOS connect with id 0
	for i := nodes[1].prev; i >= 0 && nodes[i].class != classDummy; i = nodes[i].prev {
		la.path = append(la.path, i)
	}
	for i, j := 0, len(la.path)-1; i < j; i, j = i+1, j-1 {
		la.path[i], la.path[j] = la.path[j], la.path[i]
	}
}

// best returns the cheapest way to reach a node with left id left and
// word cost weight from the nodes in la.prevs: the total cost and the
// predecessor; the first of equal costs wins. With no predecessor the cost
// is latMaxCost and the predecessor -1.
//
// kagome compares totals clamped to latMaxCost. The weight is the same for
// every predecessor, so the first cheapest one without the weight is the
// first cheapest one with it, unless even that one reaches latMaxCost: then
// all totals clamp to latMaxCost and the first predecessor wins. That lets
// best share the search among the nodes of a position with the same left id.
func (la *lattice) best(ld *latDict, left, weight int16) (cost, prev int32) {
	if len(la.prevs) == 0 {
		return latMaxCost, -1
	}
	if len(la.memo) != ld.connCol {
		la.memo = make([]latMemo, ld.connCol)
	}
	var m int64
	var mi int32
	if e := &la.memo[left]; e.gen == la.gen {
		m, mi = e.cost, e.prev
	} else {
		row := ld.conn[int(left)*ld.connRow:][:ld.connRow]
		m, mi = int64(row[la.prevs[0].right])+int64(la.prevs[0].cost), la.prevs[0].idx
		for _, p := range la.prevs[1:] {
			if total := int64(row[p.right]) + int64(p.cost); total < m {
				m, mi = total, p.idx
			}
		}
		e.gen, e.cost, e.prev = la.gen, m, mi
	}
	if total := m + int64(weight); total < latMaxCost {
		return int32(total), mi
	}
	return latMaxCost, la.prevs[0].idx
}

// appendFeatures appends node n's features, comma-separated, as kagome's
// Token.Features would give them.
func (ld *latDict) appendFeatures(dst []byte, n *latNode) []byte {
	ld.needPOS()
	d := ld.d
	first := true
	put := func(s string) {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, s...)
	}
	switch n.class {
	case classKnown:
		for _, p := range d.POSTable.POSs[n.id] {
			put(d.POSTable.NameList[p])
		}
		if d.Contents != nil {
			for _, c := range d.Contents[n.id] {
				put(c)
			}
		}
	case classUnknown:
		for _, c := range d.UnkDict.Contents[n.id] {
			put(c)
		}
	}
	return dst
}
