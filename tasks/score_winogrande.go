package tasks

import (
	"context"
	"fmt"
	"io"

	"github.com/calibkit/calibkit/internal/llama"
)

// winogrande's minimum number of tokens after the shared prefix for the
// choice word itself to be left out of the score (upstream's
// k_min_trailing_ctx).
const minTrailingCtx = 3

// ScoreWinogrande scores a Winogrande CSV with model m as llama-perplexity
// --winogrande does: o.Tasks tasks (0: all) picked by its mt19937(1)
// selection when fewer than all, each sentence tokenized with either option
// in the blank, both decoded as two sequences sharing their common prefix,
// and scored by the mean log-probability of the tokens after the option
// (the option's own tokens included when either continuation is short), the
// last token left out when there is more than one: the "partial
// evaluation" upstream does, including its use of the first sequence's
// last logits for the second when the option is not skipped.
func ScoreWinogrande(ctx context.Context, m *llama.Model, r io.Reader, name string, o Options) (*Result, error) {
	all, dropped, err := readWinogrande(r, name)
	if err != nil {
		return nil, err
	}
	order := make([]int, len(all))
	for i := range order {
		order[i] = i
	}
	if o.Tasks > 0 && o.Tasks < len(all) {
		order = selectScaled(len(all), o.Tasks)
	}
	s, err := newScorer(m, o, 2)
	if err != nil {
		return nil, err
	}
	defer s.Close()

	texts := make([]string, 0, 4*len(order))
	for _, idx := range order {
		t := all[idx]
		texts = append(texts, t.First+t.Choices[0]+t.Second, t.First+t.Choices[1]+t.Second,
			t.First+t.Choices[0], t.First+t.Choices[1])
	}
	toks, err := tokenizeAll(ctx, m, texts)
	if err != nil {
		return nil, fmt.Errorf("winogrande file %s: tokenize: %w", name, err)
	}
	tasks := make([]*winoTask, len(order))
	ptrs := make([]*packed, len(order))
	for i, idx := range order {
		t := &winoTask{nBase: [2]int{len(toks[4*i+2]), len(toks[4*i+3])}}
		t.init(toks[4*i : 4*i+2])
		what := fmt.Sprintf("winogrande file %s: task %d (index %s)", name, idx, all[idx].Index)
		if err := t.check(s.nCtx, what); err != nil {
			return nil, err
		}
		if t.skip() && (t.nBase[0] < t.prefix || t.nBase[1] < t.prefix) {
			return nil, fmt.Errorf("%s: the sentence up to an option is shorter than what both sentences share: upstream reads outside its logits here", what)
		}
		tasks[i], ptrs[i] = t, &t.packed
	}

	res := &Result{Mode: Winogrande, File: name, Available: len(all), Selected: len(order) < len(all), Cells: s.nCtx, Parallel: s.nSeq}
	if dropped > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("line %d, the last row, is not scored: llama-perplexity never reads a last row that no empty line follows", dropped))
	}
	lp := newLinePrinter(o.Out)
	b := llama.NewBatchSeqs(s.nCtx, 2)
	defer b.Close()
	maxSeq := min(maxWinoSeqs, s.nSeq)
	for i0 := 0; i0 < len(tasks); {
		i1, err := s.decodeGroup(ctx, b, ptrs, i0, maxSeq, true)
		if err != nil {
			return nil, fmt.Errorf("winogrande file %s: %w", name, err)
		}
		var rows []int
		var want []int32
		for _, t := range tasks[i0:i1] {
			for k := range 2 {
				from, to, li := t.span(k)
				for j := from; j < to; j++ {
					rows = append(rows, t.base+li)
					want = append(want, t.seqs[k][j+1])
					li++
				}
			}
		}
		lps, err := s.logProbs(rows, want)
		if err != nil {
			return nil, err
		}
		ir := 0
		for i := i0; i < i1; i++ {
			t := tasks[i]
			var score [2]float32
			for k := range 2 {
				from, to, _ := t.span(k)
				for j := from; j < to; j++ {
					score[k] += lps[ir]
					ir++
				}
				// upstream divides by a size_t: a negative count wraps
				// to a huge one and the score to 0; no tokens give 0/0
				if den := to - from; den >= 0 {
					score[k] /= float32(den)
				} else {
					score[k] = 0
				}
			}
			pick := 2
			if score[0] > score[1] {
				pick = 1
			}
			gold := all[order[i]].Answer
			res.Items = append(res.Items, Item{Task: order[i], Gold: gold, Pick: pick, Correct: pick == gold,
				Scores: []float64{float64(score[0]), float64(score[1])}})
			lp.item(res, len(res.Items)-1)
		}
		i0 = i1
	}
	res.finish()
	lp.footer(res)
	return res, lp.err
}

// winoTask is a tokenized Winogrande task: both sentences and the token
// counts of the sentence up to each option.
type winoTask struct {
	packed
	nBase [2]int
}

// skip reports whether the options' own tokens are left out of the score:
// both sentences go on for more than minTrailingCtx tokens after what they
// share.
func (t *winoTask) skip() bool {
	return len(t.seqs[0])-t.prefix > minTrailingCtx && len(t.seqs[1])-t.prefix > minTrailingCtx
}

// span returns the positions j whose logits predict token j+1 of sentence
// k in the score, [from, to), and the logits row (from the task's base) of
// the first, as upstream computes them.
func (t *winoTask) span(k int) (from, to, li int) {
	nb := t.prefix
	if t.skip() {
		nb = t.nBase[k]
	}
	last := 0
	if len(t.seqs[k])-nb > 1 {
		last = 1
	}
	from, to = nb-1, len(t.seqs[k])-1-last
	li = nb - t.prefix
	if k == 1 {
		li = len(t.seqs[0]) - t.prefix + nb - t.prefix
	}
	return from, to, li
}
