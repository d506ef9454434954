package coverage

import (
	"sort"

	"github.com/calibkit/calibkit/internal/llama"
)

// vocabulary is a model's vocabulary classified by script, with its ids in
// prior order (most frequent first).
type vocabulary struct {
	path      string
	vocabType string
	entries   []llama.VocabEntry
	script    []string // per id
	order     []int32  // counted ids, most frequent first
	prior     string
	sizes     []ScriptSize
	special   int
}

func newVocabulary(m *llama.Model) (*vocabulary, error) {
	entries, err := m.Vocab()
	if err != nil {
		return nil, err
	}
	v := &vocabulary{path: m.Path(), vocabType: m.VocabType(), entries: entries, script: make([]string, len(entries))}
	size := map[string]int{}
	scores := map[float32]bool{}
	for id, e := range entries {
		s := PieceScript(e)
		v.script[id] = s
		if s == ScriptSpecial {
			v.special++
			continue
		}
		size[s]++
		scores[e.Score] = true
		v.order = append(v.order, int32(id))
	}
	for s, n := range size {
		v.sizes = append(v.sizes, ScriptSize{Script: s, Tokens: n})
	}
	sortScripts(v.sizes)
	// SPM and UGM vocabularies score each piece by its log probability;
	// BPE files carry no scores (or all equal), and their ids follow the
	// merge order.
	v.prior = PriorID
	if (v.vocabType == "spm" || v.vocabType == "ugm") && len(scores) > 1 {
		v.prior = PriorScore
		sort.SliceStable(v.order, func(i, j int) bool {
			return entries[v.order[i]].Score > entries[v.order[j]].Score
		})
	}
	return v, nil
}

// result returns the Result without files.
func (v *vocabulary) result(opts Options) *Result {
	k := opts.MinCount
	if k <= 0 {
		k = DefaultMinCount
	}
	return &Result{
		Model: v.path, VocabType: v.vocabType, NVocab: len(v.entries),
		Counted: len(v.order), Special: v.special, Scripts: v.sizes,
		MinCount: k, Prior: v.prior, ParseSpecial: opts.ParseSpecial,
	}
}

// measure fills f's shares from its counts.
func (v *vocabulary) measure(f *File, k, top int) {
	by := map[string]*ScriptCoverage{}
	for _, s := range v.sizes {
		sc := &ScriptCoverage{Script: s.Script, Vocab: s.Tokens, Unseen: []Token{}}
		by[s.Script] = sc
		f.Scripts = append(f.Scripts, sc)
	}
	for id, n := range f.counts {
		if v.script[id] == ScriptSpecial {
			f.SpecialTokens += n
		}
	}
	for _, id := range v.order {
		sc, n := by[v.script[id]], f.counts[id]
		sc.Occurrences += n
		switch {
		case n == 0:
			if len(sc.Unseen) < top {
				e := v.entries[id]
				sc.Unseen = append(sc.Unseen, Token{ID: id, Piece: e.Piece, Score: e.Score})
			}
			continue
		case n >= int64(k):
			sc.SeenK++
			f.SeenK++
		}
		sc.Seen++
		f.Seen++
	}
	for _, sc := range f.Scripts {
		sc.Share, sc.ShareK = ratio(sc.Seen, sc.Vocab), ratio(sc.SeenK, sc.Vocab)
	}
	f.Share, f.ShareK = ratio(f.Seen, len(v.order)), ratio(f.SeenK, len(v.order))
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
