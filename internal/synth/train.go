package synth

import (
	"sort"
	"unicode/utf8"
)

// pair is two adjacent symbols that a merge joins.
type pair struct{ left, right string }

// trainWord is one distinct pre-tokenized word: its current symbols and how
// often it occurs in the sample.
type trainWord struct {
	syms  []string
	count int
}

// trainMerges learns BPE merges over words, most frequent pair first (ties
// broken by the pair's text, so the result is deterministic), until no pair
// occurs minCount times. A merge whose result would exceed maxRunes runes is
// never made. Counts are updated incrementally, touching only the words
// that contain the merged pair.
func trainMerges(words []trainWord, minCount, maxRunes int) []pair {
	counts := map[pair]int{}
	where := map[pair]map[int]bool{}
	add := func(wi int, sign int) {
		w := &words[wi]
		for i := 0; i+1 < len(w.syms); i++ {
			p := pair{w.syms[i], w.syms[i+1]}
			counts[p] += sign * w.count
			if counts[p] == 0 {
				delete(counts, p)
			}
			if sign > 0 {
				if where[p] == nil {
					where[p] = map[int]bool{}
				}
				where[p][wi] = true
			}
		}
	}
	for wi := range words {
		add(wi, 1)
	}
	var merges []pair
	for {
		best, bestN := pair{}, 0
		for p, n := range counts {
			if n < minCount || utf8.RuneCountInString(p.left)+utf8.RuneCountInString(p.right) > maxRunes {
				continue
			}
			if n > bestN || (n == bestN && (p.left < best.left || (p.left == best.left && p.right < best.right))) {
				best, bestN = p, n
			}
		}
		if bestN == 0 {
			return merges
		}
		merges = append(merges, best)
		joined := best.left + best.right
		// Visit affected words in index order so map iteration order cannot
		// leak into the result.
		affected := make([]int, 0, len(where[best]))
		for wi := range where[best] {
			affected = append(affected, wi)
		}
		sort.Ints(affected)
		for _, wi := range affected {
			w := &words[wi]
			add(wi, -1)
			w.syms = mergeAll(w.syms, best, joined)
			add(wi, 1)
		}
		delete(where, best)
	}
}

// mergeAll joins every left-to-right occurrence of p in syms.
func mergeAll(syms []string, p pair, joined string) []string {
	out := syms[:0:0]
	for i := 0; i < len(syms); i++ {
		if i+1 < len(syms) && syms[i] == p.left && syms[i+1] == p.right {
			out = append(out, joined)
			i++
			continue
		}
		out = append(out, syms[i])
	}
	return out
}

// applyMerges runs BPE on syms with the given merge ranks the way
// llama.cpp's tokenizer does: repeatedly join the adjacent pair of lowest
// rank (leftmost on ties) until no adjacent pair has a rank.
func applyMerges(syms []string, ranks map[pair]int) []string {
	syms = append([]string(nil), syms...)
	for len(syms) > 1 {
		bestI, bestR := -1, 0
		for i := 0; i+1 < len(syms); i++ {
			if r, ok := ranks[pair{syms[i], syms[i+1]}]; ok && (bestI < 0 || r < bestR) {
				bestI, bestR = i, r
			}
		}
		if bestI < 0 {
			break
		}
		syms[bestI] += syms[bestI+1]
		syms = append(syms[:bestI+1], syms[bestI+2:]...)
	}
	return syms
}

// countWords turns a list of words into distinct trainWords, split into
// symbols by split, in first-seen order.
func countWords(words []string, split func(string) []string) []trainWord {
	index := map[string]int{}
	var out []trainWord
	for _, w := range words {
		if i, ok := index[w]; ok {
			out[i].count++
			continue
		}
		index[w] = len(out)
		out = append(out, trainWord{syms: split(w), count: 1})
	}
	return out
}
