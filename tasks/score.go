package tasks

import (
	"context"
	"fmt"
	"io"
	"math"
	"runtime"

	"golang.org/x/sync/errgroup"

	"github.com/calibkit/calibkit/internal/llama"
)

// Options sets how tasks are scored. The zero value scores as
// llama-perplexity does with its defaults.
type Options struct {
	// NCtx is llama-perplexity's -c: the context of one sequence. The
	// context holds NCtx × NSeq cells, one KV buffer shared by all
	// sequences, as llama-perplexity (May 2026) builds it for its task
	// modes; tasks are packed into those cells. 0 means 512.
	NCtx int
	// NBatch is -b, the most tokens decoded at once (capped at the cells);
	// 0 means 2048.
	NBatch int
	// NUBatch is -ub; 0 means 512.
	NUBatch int
	// Parallel is -np: the context gets max(4, Parallel) sequences, as
	// upstream gives it, and a multiple-choice task with more answers than
	// that is refused. 0 sizes the context to the tasks scored: as many
	// sequences as the largest has candidates, at least 4 (Parallel
	// returns the same count; JCommonsenseQA: 5).
	Parallel int
	// Threads is -t; 0 means llama.DefaultThreads.
	Threads int
	// Tasks is --hellaswag-tasks, --winogrande-tasks or
	// --multiple-choice-tasks: how many tasks to score. For HellaSwag, 0
	// means upstream's default of 400; for the others 0 means all.
	Tasks int
	// Out, if not nil, receives llama-perplexity's printed lines (running
	// accuracy, final result) as they are computed; Result.Print writes
	// the same text afterwards.
	Out io.Writer
}

func (o Options) withDefaults() Options {
	if o.NCtx == 0 {
		o.NCtx = 512
	}
	if o.NBatch == 0 {
		o.NBatch = 2048
	}
	if o.NUBatch == 0 {
		o.NUBatch = 512
	}
	return o
}

// Mode names a task kind.
type Mode string

// The three task kinds llama-perplexity scores.
const (
	Hellaswag      Mode = "hellaswag"
	Winogrande     Mode = "winogrande"
	MultipleChoice Mode = "multiple-choice"
)

// Item is the outcome of one task, for paired comparisons between models.
type Item struct {
	// Task is the task's index in the file (0-based).
	Task int `json:"task"`
	// Gold is the correct ending or answer (0-based; for Winogrande 1 or 2
	// as in the file); Pick is the one that scored highest.
	Gold    int  `json:"gold"`
	Pick    int  `json:"pick"`
	Correct bool `json:"correct"`
	// Scores are the normalized log-likelihoods of the candidates, as
	// upstream compares them.
	Scores []float64 `json:"scores"`
}

// Result is a task score. Items are in the order scored (upstream's
// selection order), which is the order of the printed lines.
type Result struct {
	Mode      Mode   `json:"mode"`
	File      string `json:"file"`
	Available int    `json:"available"`
	Scored    int    `json:"scored"`
	// Selected reports that Scored < Available tasks were chosen at random
	// as upstream chooses them.
	Selected bool `json:"selected"`
	Correct  int  `json:"correct"`
	// Accuracy and StdErr are in percent: 100·p and 100·sqrt(p(1-p)/(n-1))
	// computed in float as upstream prints them (for HellaSwag, which
	// prints only a Wilson interval, the same formula in double). Wilson95
	// is the 95% Wilson interval, in percent.
	Accuracy float64    `json:"accuracy"`
	StdErr   float64    `json:"stderr"`
	Wilson95 [2]float64 `json:"wilson95"`
	// RandomChance and its error are the multiple-choice line of that
	// name: tasks over candidates, in percent.
	RandomChance       float64 `json:"random_chance,omitempty"`
	RandomChanceStdErr float64 `json:"random_chance_stderr,omitempty"`
	Cells              int     `json:"cells"`
	// Parallel is the number of sequences the context decoded side by
	// side (-np as llama-perplexity applies it: at least 4).
	Parallel int `json:"parallel"`
	// Notes say where the file was read as upstream reads it but not as a
	// reader might expect (a row upstream leaves out).
	Notes []string `json:"notes,omitempty"`
	Items []Item   `json:"items"`
}

// packed is one tokenized task: its candidate sequences and shared prefix.
type packed struct {
	seqs     [][]int32
	prefix   int
	required int
	// base is the task's first logits row in the decoded batch.
	base int
}

// scorer holds a context sized as llama-perplexity's task modes size it.
type scorer struct {
	m      *llama.Model
	lctx   *llama.Context
	nCtx   int
	nBatch int
	nSeq   int
	nVocab int
	logits []float32
}

// newScorer makes the context for tasks whose largest has need candidates.
func newScorer(m *llama.Model, o Options, need int) (*scorer, error) {
	o = o.withDefaults()
	if o.NCtx < 0 || o.NBatch < 0 || o.NUBatch < 0 || o.Parallel < 0 || o.Threads < 0 || o.Tasks < 0 {
		return nil, fmt.Errorf("score tasks: negative option in %+v", o)
	}
	nSeq := o.seqs(need)
	cells := o.NCtx * nSeq
	lctx, err := llama.NewContext(m, llama.ContextParams{
		NCtx: cells, NBatch: min(o.NBatch, cells), NUBatch: min(o.NUBatch, o.NBatch, cells),
		NSeqMax: nSeq, KVUnified: true, Threads: o.Threads,
	})
	if err != nil {
		return nil, err
	}
	return &scorer{m: m, lctx: lctx, nCtx: lctx.NCtx(), nBatch: lctx.NBatch(), nSeq: lctx.NSeqMax(), nVocab: m.NVocab()}, nil
}

func (s *scorer) Close() { s.lctx.Close() }

// tokenizeAll tokenizes texts (with BOS as the vocabulary asks, special
// tokens as plain text: upstream's common_tokenize(ctx, text, true)) on all
// CPUs.
func tokenizeAll(ctx context.Context, m *llama.Model, texts []string) ([][]int32, error) {
	out := make([][]int32, len(texts))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.NumCPU())
	for i, t := range texts {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			toks, err := m.Tokenize(t, true, false)
			out[i] = toks
			return err
		})
	}
	return out, g.Wait()
}

// commonPrefix returns the number of leading tokens all sequences share.
func commonPrefix(seqs [][]int32) int {
	n := len(seqs[0])
	for _, s := range seqs[1:] {
		n = min(n, len(s))
	}
	for k := range n {
		for _, s := range seqs[1:] {
			if s[k] != seqs[0][k] {
				return k
			}
		}
	}
	return n
}

func (p *packed) init(seqs [][]int32) {
	p.seqs = seqs
	p.prefix = commonPrefix(seqs)
	p.required = p.prefix
	for _, s := range seqs {
		p.required += len(s) - p.prefix
	}
}

// firstTokens returns each candidate's first token after the shared prefix.
func (p *packed) firstTokens() []int32 {
	out := make([]int32, len(p.seqs))
	for k, s := range p.seqs {
		out[k] = s[p.prefix]
	}
	return out
}

// check refuses what upstream cannot score: a task longer than the
// context, no shared token to take the first logits from, or a candidate
// that adds no token beyond the shared prefix (upstream reads past its end).
func (p *packed) check(nCtx int, what string) error {
	if p.required > nCtx {
		return fmt.Errorf("%s needs %d tokens, more than the context's %d cells: raise -c (NCtx) or drop the task", what, p.required, nCtx)
	}
	if p.prefix == 0 {
		return fmt.Errorf("%s: its candidates share no first token (a model without BOS?): upstream cannot score it", what)
	}
	return nil
}

func (p *packed) checkTails(what string) error {
	for k, s := range p.seqs {
		if len(s) == p.prefix {
			return fmt.Errorf("%s: candidate %d adds no token after the %d tokens all candidates share (empty or a prefix of the others?)", what, k, p.prefix)
		}
	}
	return nil
}

// decodeGroup packs tasks from i0 as upstream does (while the next task's
// tokens fit in the cells and its sequences in maxSeq) and decodes them.
// allOutputs asks logits for every continuation token (Winogrande) instead
// of all but the last. It returns the end of the group.
func (s *scorer) decodeGroup(ctx context.Context, b *llama.Batch, tasks []*packed, i0, maxSeq int, allOutputs bool) (int, error) {
	b.Clear()
	nCur, seq0, rows, i1 := 0, 0, 0, i0
	ids := make([]int32, 0, maxSeq)
	for i1 < len(tasks) && nCur+tasks[i1].required <= s.nCtx {
		t := tasks[i1]
		if seq0+len(t.seqs) > maxSeq {
			if seq0 == 0 {
				return 0, fmt.Errorf("task %d has %d candidates but the context decodes %d sequences: raise -np (Parallel) to at least %d, or leave it out to size it to the file", i0, len(t.seqs), maxSeq, len(t.seqs))
			}
			break
		}
		ids = ids[:0]
		for k := range t.seqs {
			ids = append(ids, int32(seq0+k))
		}
		for k := range t.prefix {
			if err := b.AddSeqs(t.seqs[0][k], int32(k), ids, false); err != nil {
				return 0, err
			}
		}
		b.SetOutput(b.Len()-1, true)
		n := 1
		for k, sq := range t.seqs {
			for j := t.prefix; j < len(sq); j++ {
				out := allOutputs || j < len(sq)-1
				if err := b.AddSeqs(sq[j], int32(j), []int32{int32(seq0 + k)}, out); err != nil {
					return 0, err
				}
				if out {
					n++
				}
			}
		}
		t.base = rows
		rows += n
		seq0 += len(t.seqs)
		nCur += t.required
		i1++
	}
	if i1 == i0 {
		return 0, fmt.Errorf("task %d does not fit in the context window (requires %d tokens, %d cells)", i0, tasks[i0].required, s.nCtx)
	}
	s.lctx.ClearMemory()
	if need := rows * s.nVocab; len(s.logits) < need {
		s.logits = make([]float32, need)
	}
	if _, err := s.lctx.DecodeLogits(ctx, b, s.nBatch, s.logits); err != nil {
		return 0, fmt.Errorf("decode tasks %d..%d: %w", i0, i1-1, err)
	}
	return i1, nil
}

// endingLogProbs returns the log-probabilities of the ending tokens after
// each ending's first, for a group of tasks just decoded together: task by
// task, ending by ending, token by token, the order the HellaSwag and
// multiple-choice scorers read them in (each ending's first token is scored
// from the shared prefix's last row instead).
func (s *scorer) endingLogProbs(group []*packed) ([]float32, error) {
	var rows []int
	var want []int32
	for _, t := range group {
		li := 1
		for _, sq := range t.seqs {
			for j := t.prefix; j < len(sq)-1; j++ {
				rows = append(rows, t.base+li)
				want = append(want, sq[j+1])
				li++
			}
		}
	}
	return s.logProbs(rows, want)
}

// row returns logits row r of the last decoded group.
func (s *scorer) row(r int) []float32 { return s.logits[r*s.nVocab : (r+1)*s.nVocab] }

// logProbs computes llama-perplexity's single-precision log-probs of the
// (row, token) pairs of the last decoded group.
func (s *scorer) logProbs(rows []int, toks []int32) ([]float32, error) {
	out := make([]float32, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	return out, llama.LogProbsF32(s.logits, s.nVocab, rows, toks, out)
}

// finish fills the summary numbers of r from its items.
func (r *Result) finish() {
	r.Scored = len(r.Items)
	r.Correct = 0
	for _, it := range r.Items {
		if it.Correct {
			r.Correct++
		}
	}
	n := r.Scored
	if n == 0 {
		return
	}
	p := float32(r.Correct) / float32(n)
	r.Accuracy = float64(100 * p)
	r.StdErr = float64(100 * float32(math.Sqrt(float64(p*(1-p)/float32(n-1)))))
	if r.Mode == Hellaswag {
		pd := float64(r.Correct) / float64(n)
		r.Accuracy = 100 * pd
		r.StdErr = 0
		if n > 1 {
			r.StdErr = 100 * math.Sqrt(pd*(1-pd)/float64(n-1))
		}
	}
	lo, hi := wilson(r.Correct, n)
	r.Wilson95 = [2]float64{100 * lo, 100 * hi}
}

// wilson is the 95% Wilson score interval as hellaswag_score prints it.
func wilson(correct, n int) (float64, float64) {
	const za = 1.95996398454
	freq := float64(correct) / float64(n)
	z := za * za / float64(n)
	cnf := z * math.Sqrt(float64(n)*(4.0*freq*(1-freq)+z)) / (za + za)
	return (freq + z*0.5 - cnf) / (1.0 + z), (freq + z*0.5 + cnf) / (1.0 + z)
}
