package tokenize

import (
	"sync"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/dict"
)

// This file is a Normal-mode morphological analyser over kagome's
// dictionary data (kagome-dict): the same lattice and the same Viterbi
// search as kagome's tokenizer, node for node and in the same order, so that
// ties between equal-cost paths resolve the same way and the segmentation
// is identical (TestLatticeMatchesKagome and FuzzLatticeMatchesKagome hold
// it to that). It differs in memory: nodes live in one reusable slice per
// analysis instead of one pooled object each, which makes it about twice as
// fast. User dictionaries are left to kagome's own tokenizer.

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

// latNode is one candidate morpheme: input[pos:pos+size], runes [start, end).
type latNode struct {
	id          int32
	pos, size   int32
	start, end  int32
	cost        int32
	prev        int32 // index of the best previous node, -1 for none
	nextEnd     int32 // the next node (in creation order) with the same end, -1 for none
	left, right int16 // connection ids and word cost, as the dictionary stores them
	weight      int16
	class       uint8
}

// latDict is the dictionary data the analyser reads, flattened once.
type latDict struct {
	d      *dict.Dict
	dup    []int32 // extra entries sharing a trie id, by id
	unkID  [256]int32
	unkDup [256]int32
	// conn is the connection-cost matrix as kagome stores it (transposed):
	// the costs of all right ids into left id l are conn[l*connRow:][:connRow].
	conn    []int16
	connRow int
}

func newLatDict(d *dict.Dict) *latDict {
	ld := &latDict{d: d, dup: make([]int32, len(d.Morphs)),
		conn: d.Connection.Vec, connRow: int(d.Connection.Row)}
	for id, n := range d.Index.Dup {
		if int(id) < len(ld.dup) {
			ld.dup[id] = n
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
}

var latticePool = sync.Pool{New: func() any { return new(lattice) }}

// add appends n, costed against the nodes in la.prevs, and links it into
// the list of nodes ending where it ends.
func (la *lattice) add(ld *latDict, n latNode) {
	n.cost, n.prev = la.best(ld, n.left, n.weight)
	n.nextEnd = -1
	i := int32(len(la.nodes))
	la.nodes = append(la.nodes, n)
	if t := la.endTail[n.end]; t >= 0 {
		la.nodes[t].nextEnd = i
	} else {
		la.endHead[n.end] = i
	}
	la.endTail[n.end] = i
}

// gatherPrevs loads la.prevs with the nodes ending at rune e, in creation
// order (the order kagome tries them in, which settles ties).
func (la *lattice) gatherPrevs(e int32) {
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
	la.add(ld, latNode{id: -1, end: 0, class: classDummy})
	la.nodes[0].cost, la.nodes[0].prev = 0, -1
	la.nodes = append(la.nodes, latNode{id: -1, pos: int32(len(input)), start: rc, end: rc + 1, prev: -1, nextEnd: -1, class: classDummy})

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
			for id := x; id <= x+int(ld.dup[x]); id++ {
				m := d.Morphs[id]
				la.add(ld, latNode{id: int32(id), pos: int32(pos), size: int32(l), start: runePos, end: end,
					left: m.LeftID, right: m.RightID, weight: m.Weight, class: classKnown})
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
			m := d.UnkDict.Morphs[id0+x]
			n := latNode{id: id0 + x, pos: int32(pos), start: runePos,
				left: m.LeftID, right: m.RightID, weight: m.Weight, class: classUnknown}
			if pos < prev {
				n.size, n.end = int32(prev-pos), endShort
				la.add(ld, n)
			}
			n.size, n.end = int32(endPos-pos), endFull
			la.add(ld, n)
		}
	}

	// EOS, then backward from it.
	la.gatherPrevs(rc)
	nodes := la.nodes
	nodes[1].cost, nodes[1].prev = la.best(ld, nodes[1].left, nodes[1].weight)
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
func (la *lattice) best(ld *latDict, left, weight int16) (cost, prev int32) {
	if len(la.prevs) == 0 {
		return latMaxCost, -1
	}
	row := ld.conn[int(left)*ld.connRow:][:ld.connRow]
	w := int64(weight)
	best, bestIdx := int64(0), int32(-1)
	for j, p := range la.prevs {
		total := int64(row[p.right]) + w + int64(p.cost)
		if total > latMaxCost {
			total = latMaxCost
		}
		if j == 0 || total < best {
			best, bestIdx = total, p.idx
		}
	}
	return int32(best), bestIdx
}

// appendFeatures appends node n's features, comma-separated, as kagome's
// Token.Features would give them.
func (ld *latDict) appendFeatures(dst []byte, n *latNode) []byte {
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
