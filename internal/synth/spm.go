package synth

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// spmSpace is SentencePiece's visible space, U+2581.
const spmSpace = "▁"

// spmTraining holds what the SPM vocabulary learns from the sample: its
// characters by falling frequency and its multi-character pieces in the
// order they were merged.
type spmTraining struct {
	chars  []string
	pieces []string
}

// maxPieceRunes caps a learned piece's length, as SentencePiece's
// max_sentencepiece_length does.
const maxPieceRunes = 16

var spmTrained = sync.OnceValue(func() spmTraining { return trainSPM(sampleLines()) })

// trainSPM learns the SPM vocabulary's characters and pieces from lines.
func trainSPM(lines []string) spmTraining {
	var words []string
	for _, line := range lines {
		// llama.cpp adds a space before the text (add_space_prefix), and
		// SPM replaces every space with ▁.
		for _, w := range splitGPT2(" " + line) {
			words = append(words, strings.ReplaceAll(w, " ", spmSpace))
		}
	}
	runes := func(w string) []string {
		var s []string
		for _, r := range w {
			s = append(s, string(r))
		}
		return s
	}
	tw := countWords(words, runes)
	freq := map[string]int{}
	for _, w := range tw {
		for _, s := range w.syms {
			freq[s] += w.count
		}
	}
	var t spmTraining
	for c := range freq {
		t.chars = append(t.chars, c)
	}
	sort.Slice(t.chars, func(i, j int) bool {
		a, b := t.chars[i], t.chars[j]
		if freq[a] != freq[b] {
			return freq[a] > freq[b]
		}
		return a < b
	})
	seen := map[string]bool{}
	for _, m := range trainMerges(tw, 2, maxPieceRunes) {
		p := m.left + m.right
		if !seen[p] {
			seen[p] = true
			t.pieces = append(t.pieces, p)
		}
	}
	return t
}

// spmFixed counts the tokens every SPM vocabulary starts with: <unk>, <s>,
// </s> and the 256 byte-fallback tokens.
const spmFixed = 3 + 256

// buildSPM makes a SentencePiece-style vocabulary of size tokens: the fixed
// tokens, learned pieces scored by merge order, then single characters.
// Up to half the remaining room goes to characters first (▁, the sample's
// characters by frequency, the rest of printable ASCII), the rest to learned
// pieces, and whatever is left to further characters from the inventory.
func buildSPM(size int, t spmTraining) (*Vocab, error) {
	budget := size - spmFixed

	base := append([]string{spmSpace}, t.chars...)
	for c := rune(0x21); c <= 0x7E; c++ {
		base = append(base, string(c))
	}
	taken := map[string]bool{}
	var chars []string
	addChar := func(c string) {
		if !taken[c] && c != " " {
			taken[c] = true
			chars = append(chars, c)
		}
	}
	for _, c := range base {
		if len(chars) >= budget/2 {
			break
		}
		addChar(c)
	}
	nPieces := min(len(t.pieces), budget-len(chars))
	pieces := t.pieces[:nPieces]
	for _, c := range base {
		if len(chars)+nPieces >= budget {
			break
		}
		addChar(c)
	}
	for _, r := range inventory() {
		if len(chars)+nPieces >= budget {
			break
		}
		addChar(string(r))
	}
	if len(chars)+nPieces != budget {
		return nil, fmt.Errorf("spm vocabulary: only %d tokens available, %d asked", spmFixed+len(chars)+nPieces, size)
	}

	v := &Vocab{Model: "llama", BOS: 1, EOS: 2, UNK: 0, AddBOS: true}
	add := func(tok string, score float32, typ int32) {
		v.Tokens = append(v.Tokens, tok)
		v.Scores = append(v.Scores, score)
		v.Types = append(v.Types, typ)
	}
	add("<unk>", 0, TokenUnknown)
	add("<s>", 0, TokenControl)
	add("</s>", 0, TokenControl)
	for b := 0; b < 256; b++ {
		add(fmt.Sprintf("<0x%02X>", b), 0, TokenByte)
	}
	for i, p := range pieces {
		add(p, -float32(i), TokenNormal)
	}
	for i, c := range chars {
		add(c, -float32(nPieces+i), TokenNormal)
	}
	return v, nil
}
