package tasks

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/calibkit/calibkit/internal/llama"
)

// ScoreMultipleChoice scores a binary multiple-choice file with model m as
// llama-perplexity --multiple-choice does: o.Tasks tasks (0: all, read in
// file order) or, when fewer, those its mt19937(1) selection picks (read
// at their index offsets), each answer tokenized after question + " ",
// all answers decoded as sequences sharing the question's tokens, and
// scored by the mean log-probability of the answer's tokens, summed in
// float as upstream sums them. A task is correct when its best answer has
// label 1. The context needs at least as many sequences (Options.Parallel)
// as the task with the most answers; with Parallel 0 it gets that many.
func ScoreMultipleChoice(ctx context.Context, m *llama.Model, r io.Reader, name string, o Options) (*Result, error) {
	f, err := OpenMultipleChoice(r, name)
	if err != nil {
		return nil, err
	}
	all, index, err := f.selected(o.Tasks)
	if err != nil {
		return nil, err
	}
	s, err := newScorer(m, o, mostAnswers(all))
	if err != nil {
		return nil, err
	}
	defer s.Close()

	var texts []string
	for _, t := range all {
		for _, a := range t.Answers {
			texts = append(texts, t.Question+" "+a)
		}
	}
	toks, err := tokenizeAll(ctx, m, texts)
	if err != nil {
		return nil, fmt.Errorf("multiple-choice file %s: tokenize: %w", name, err)
	}
	tasks := make([]*packed, len(all))
	maxSeq := min(maxChoiceSeqs, s.nSeq)
	nAnswers := 0
	for i, t := range all {
		p := &packed{}
		p.init(toks[nAnswers : nAnswers+len(t.Answers)])
		nAnswers += len(t.Answers)
		what := fmt.Sprintf("multiple-choice file %s: task %d", name, index[i])
		if err := p.check(s.nCtx, what); err != nil {
			return nil, err
		}
		if err := p.checkTails(what); err != nil {
			return nil, err
		}
		if len(t.Answers) > maxSeq {
			return nil, fmt.Errorf("%s has %d answers but the context decodes %d sequences: raise -np (Parallel) to at least %d, or leave it out to size it to the file", what, len(t.Answers), maxSeq, len(t.Answers))
		}
		tasks[i] = p
	}

	res := &Result{Mode: MultipleChoice, File: name, Available: f.Len(), Selected: len(all) < f.Len(), Cells: s.nCtx, Parallel: s.nSeq}
	lp := newLinePrinter(o.Out)
	lp.header(MultipleChoice)
	b := llama.NewBatchSeqs(s.nCtx, maxSeq)
	defer b.Close()
	for i0 := 0; i0 < len(tasks); {
		i1, err := s.decodeGroup(ctx, b, tasks, i0, maxSeq, false)
		if err != nil {
			return nil, fmt.Errorf("multiple-choice file %s: %w", name, err)
		}
		lps, err := s.endingLogProbs(tasks[i0:i1])
		if err != nil {
			return nil, err
		}
		ir := 0
		for i := i0; i < i1; i++ {
			t := tasks[i]
			first := llama.LogProbsSoftmax(s.row(t.base), t.firstTokens())
			scores := make([]float64, len(t.seqs))
			best, pick := float32(0), 0
			for k, sq := range t.seqs {
				sum := first[k]
				n := 1
				for j := t.prefix; j < len(sq)-1; j++ {
					n++
					sum += lps[ir]
					ir++
				}
				v := sum / float32(n)
				scores[k] = float64(v)
				if k == 0 || v > best {
					best, pick = v, k
				}
			}
			labels := all[i].Labels
			gold := 0
			for k, l := range labels {
				if l == 1 {
					gold = k
					break
				}
			}
			res.Items = append(res.Items, Item{Task: index[i], Gold: gold, Pick: pick, Correct: labels[pick] == 1, Scores: scores})
			lp.item(res, len(res.Items)-1)
		}
		i0 = i1
	}
	res.finish()
	p := float32(res.Scored) / float32(nAnswers)
	res.RandomChance = float64(100 * p)
	res.RandomChanceStdErr = float64(100 * float32(math.Sqrt(float64(p*(1-p)/float32(res.Scored-1)))))
	lp.footer(res)
	return res, lp.err
}
