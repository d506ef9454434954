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
}

func newLatDict(d *dict.Dict) *latDict {
	ld := &latDict{d: d, dup: make([]int32, len(d.Morphs))}
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

// lattice holds one analysis; it is reused through latticePool.
type lattice struct {
	nodes  []latNode
	byEnd  []int32 // node indices sorted by end, stably
	endOff []int32 // byEnd[endOff[e]:endOff[e+1]] end at rune e
	fill   []int32 // scratch for the bucketing
	path   []int32
}

var latticePool = sync.Pool{New: func() any { return new(lattice) }}

func (la *lattice) add(n latNode) { la.nodes = append(la.nodes, n) }

// analyze appends to la.path the indices of the best path's nodes for
// input, BOS and EOS excluded, in order.
func (ld *latDict) analyze(la *lattice, input string) {
	d := ld.d
	la.nodes, la.path = la.nodes[:0], la.path[:0]
	rc := int32(utf8.RuneCountInString(input))
	// BOS ends at rune 0, EOS starts at rc and is placed at rc+1.
	la.add(latNode{id: -1, end: 0, prev: -1, class: classDummy})
	la.add(latNode{id: -1, pos: int32(len(input)), start: rc, end: rc + 1, prev: -1, class: classDummy})

	runePos := int32(-1)
	for pos, ch := range input {
		runePos++
		anyMatch := false
		d.Index.Da.CommonPrefixSearchCallback(input[pos:], func(x, l int) {
			end := runePos + int32(utf8.RuneCountInString(input[pos:pos+l]))
			for id := x; id <= x+int(ld.dup[x]); id++ {
				m := d.Morphs[id]
				la.add(latNode{id: int32(id), pos: int32(pos), size: int32(l), start: runePos, end: end,
					left: m.LeftID, right: m.RightID, weight: m.Weight, prev: -1, class: classKnown})
			}
			anyMatch = true
		})
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
		endFull := runePos + int32(utf8.RuneCountInString(input[pos:endPos]))
		endShort := runePos + int32(utf8.RuneCountInString(input[pos:prev]))
		id0 := ld.unkID[class]
		for x := range ld.unkDup[class] + 1 {
			m := d.UnkDict.Morphs[id0+x]
			n := latNode{id: id0 + x, pos: int32(pos), start: runePos,
				left: m.LeftID, right: m.RightID, weight: m.Weight, prev: -1, class: classUnknown}
			if pos < prev {
				n.size, n.end = int32(prev-pos), endShort
				la.add(n)
			}
			n.size, n.end = int32(endPos-pos), endFull
			la.add(n)
		}
	}

	// Bucket the nodes by end position, keeping creation order in each.
	nEnds := int(rc) + 2
	la.endOff = append(la.endOff[:0], make([]int32, nEnds+1)...)
	for i := range la.nodes {
		la.endOff[la.nodes[i].end+1]++
	}
	for e := 1; e <= nEnds; e++ {
		la.endOff[e] += la.endOff[e-1]
	}
	if cap(la.byEnd) < len(la.nodes) {
		la.byEnd = make([]int32, len(la.nodes))
	}
	la.byEnd = la.byEnd[:len(la.nodes)]
	la.fill = append(la.fill[:0], la.endOff[:nEnds]...)
	for i := range la.nodes {
		e := la.nodes[i].end
		la.byEnd[la.fill[e]] = int32(i)
		la.fill[e]++
	}

	// Forward: the cheapest way to reach each node; the first of equal
	// costs wins.
	conn := &d.Connection
	nodes := la.nodes
	for e := 1; e < nEnds; e++ {
		for _, ti := range la.byEnd[la.endOff[e]:la.endOff[e+1]] {
			t := &nodes[ti]
			prevs := la.byEnd[la.endOff[t.start]:la.endOff[t.start+1]]
			if len(prevs) == 0 {
				t.cost = latMaxCost
				continue
			}
			for j, pi := range prevs {
				p := &nodes[pi]
				total := int64(conn.At(int(p.right), int(t.left))) + int64(t.weight) + int64(p.cost)
				if total > latMaxCost {
					total = latMaxCost
				}
				if j == 0 || int32(total) < t.cost {
					t.cost, t.prev = int32(total), pi
				}
			}
		}
	}

	// Backward from EOS (node 1).
	la.path = la.path[:0]
	for i := nodes[1].prev; i >= 0 && nodes[i].class != classDummy; i = nodes[i].prev {
		la.path = append(la.path, i)
	}
	for i, j := 0, len(la.path)-1; i < j; i, j = i+1, j-1 {
		la.path[i], la.path[j] = la.path[j], la.path[i]
	}
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
