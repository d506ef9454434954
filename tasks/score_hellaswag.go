package tasks

import (
	"context"
	"fmt"
	"io"

	"github.com/calibkit/calibkit/internal/llama"
)

// DefaultHellaswagTasks is upstream's default --hellaswag-tasks.
const DefaultHellaswagTasks = 400

// ScoreHellaswag scores a HellaSwag task file (read from r; name is used in
// errors and the result) with model m as llama-perplexity --hellaswag does:
// o.Tasks tasks (0: 400) drawn by its mt19937(1) selection, each ending
// tokenized after context + " ", the four endings decoded as four sequences
// sharing the context's tokens, packed with other tasks into one batch, and
// scored by the mean log-probability of the ending's tokens (acc_norm).
func ScoreHellaswag(ctx context.Context, m *llama.Model, r io.Reader, name string, o Options) (*Result, error) {
	all, err := ReadHellaswag(r, name)
	if err != nil {
		return nil, err
	}
	count := o.Tasks
	if count == 0 {
		count = DefaultHellaswagTasks
	}
	count = min(count, len(all))
	order := selectHellaswag(len(all), count)

	s, err := newScorer(m, o, 4)
	if err != nil {
		return nil, err
	}
	defer s.Close()

	texts := make([]string, 0, 4*count)
	for _, idx := range order {
		t := all[idx]
		for _, e := range t.Endings {
			texts = append(texts, t.Context+" "+e)
		}
	}
	toks, err := tokenizeAll(ctx, m, texts)
	if err != nil {
		return nil, fmt.Errorf("hellaswag file %s: tokenize: %w", name, err)
	}
	tasks := make([]*packed, count)
	for i, idx := range order {
		p := &packed{}
		p.init(toks[4*i : 4*i+4])
		what := fmt.Sprintf("hellaswag file %s: task %d", name, idx)
		if err := p.check(s.nCtx, what); err != nil {
			return nil, err
		}
		if err := p.checkTails(what); err != nil {
			return nil, err
		}
		tasks[i] = p
	}

	res := &Result{Mode: Hellaswag, File: name, Available: len(all), Selected: count < len(all), Cells: s.nCtx, Parallel: s.nSeq}
	lp := newLinePrinter(o.Out)
	lp.header(Hellaswag)
	b := llama.NewBatchSeqs(s.nCtx, 4)
	defer b.Close()
	maxSeq := min(maxChoiceSeqs, s.nSeq)
	for i0 := 0; i0 < count; {
		i1, err := s.decodeGroup(ctx, b, tasks, i0, maxSeq, false)
		if err != nil {
			return nil, fmt.Errorf("hellaswag file %s: %w", name, err)
		}
		lps, err := s.endingLogProbs(tasks[i0:i1])
		if err != nil {
			return nil, err
		}
		ir := 0
		for i := i0; i < i1; i++ {
			t := tasks[i]
			first := llama.LogProbsSoftmax(s.row(t.base), t.firstTokens())
			scores := make([]float64, 4)
			for k, sq := range t.seqs {
				sum := float64(first[k])
				n := 1
				for j := t.prefix; j < len(sq)-1; j++ {
					sum += float64(lps[ir])
					ir++
					n++
				}
				scores[k] = sum / float64(n)
			}
			pick := 0
			for k := 1; k < 4; k++ {
				if scores[k] > scores[pick] {
					pick = k
				}
			}
			gold := all[order[i]].Gold
			res.Items = append(res.Items, Item{Task: order[i], Gold: gold, Pick: pick, Correct: pick == gold, Scores: scores})
			lp.item(res, len(res.Items)-1)
		}
		i0 = i1
	}
	res.finish()
	lp.footer(res)
	return res, lp.err
}
