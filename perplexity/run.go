package perplexity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/chunks"
	"github.com/calibkit/calibkit/internal/llama"
)

// ErrTooShort reports a text that does not give two full chunks.
var ErrTooShort = errors.New("text too short")

// Run scores text with m as llama-perplexity does (see Options for the
// modes). The text is tokenized whole (BOS added as the vocabulary asks,
// special-token text parsed only with ParseSpecial) and cut into
// NCtx-token chunks with BOS written over each chunk's first token when
// the vocabulary adds BOS; NBatch/NCtx chunks are decoded side by side as
// separate sequences, and the tokens at positions NCtx/2 .. NCtx-2 of each
// chunk are scored on the next token. The result is never
// nil; on error it tells how far the run got. With SaveBase, nothing is
// left under that name unless the run completes.
func Run(ctx context.Context, m *llama.Model, text string, opts Options) (*Result, error) {
	res := &Result{Mode: "ppl", PPL: math.NaN(), PPLError: math.NaN(), NVocab: m.NVocab()}
	if opts.KLDBase != "" {
		res.Mode = "kld"
		return res, runKLD(ctx, m, res, opts)
	}
	if m.AddEOS() {
		return res, fmt.Errorf("model %s: its vocabulary appends EOS to text, which llama-perplexity does not support", m.Path())
	}
	nCtx := orDefault(opts.NCtx, 512)
	tokens, err := m.Tokenize(text, true, opts.ParseSpecial)
	if err != nil {
		return res, err
	}
	res.TextTokens = len(tokens)
	if len(tokens) < 2*nCtx {
		return res, fmt.Errorf("%w: it gives %d tokens, but a context of %d needs at least %d (two chunks); use a longer text or a smaller -c",
			ErrTooShort, len(tokens), nCtx, 2*nCtx)
	}
	plan := chunks.NewPlan(nCtx, orDefault(opts.NBatch, 2048), len(tokens), opts.Chunks)
	r, err := newRunner(m, plan, tokens, opts)
	if err != nil {
		return res, err
	}
	defer r.close()
	r.fill(res)

	var bw *baseWriter
	var bf *atomicfile.File
	if opts.SaveBase != "" {
		res.Mode = "kld-base"
		if bf, err = atomicfile.Create(opts.SaveBase); err != nil {
			return res, err
		}
		defer bf.Abort()
		if bw, err = newBaseWriter(bf, nCtx, m.NVocab(), plan.NChunk, tokens); err != nil {
			return res, fmt.Errorf("write %s: %w", opts.SaveBase, err)
		}
		fmt.Fprintf(r.log, "perplexity: saving all logits to %s\n", opts.SaveBase)
	}
	fmt.Fprintf(r.log, "perplexity: calculating perplexity over %d chunks, n_ctx=%d, batch_size=%d, n_seq=%d\n",
		plan.NChunk, nCtx, plan.NBatch, plan.NSeq)

	rowLen := llama.BaseRowLen(m.NVocab())
	var rows []uint16
	if bw != nil {
		rows = make([]uint16, plan.Scored()*rowLen)
	}
	var nll, nll2 float64
	count := 0
	err = r.loop(ctx, res, func(seqNLL []ChunkNLL) {
		for i, c := range seqNLL {
			nll += c.Sum
			nll2 += c.SumSq
			count += c.Count
			fmt.Fprintf(r.out, "[%d]%.4f,", len(res.ChunkNLL)+i+1, math.Exp(nll/float64(count)))
		}
	}, func(seqNLL []ChunkNLL, rw chunks.Rows) error {
		var lp []float64
		if bw == nil {
			v, err := r.dec.Ctx.LogProbs(rw.Outputs, rw.Targets)
			if err != nil {
				return err
			}
			for k := range v {
				v[k] = -v[k]
			}
			lp = v
		} else {
			off := (rw.Pos[0] - plan.First()) * rowLen
			v, err := r.dec.Ctx.BaseLogProbs(rw.Outputs, rw.Targets, rows[off:])
			if err != nil {
				return err
			}
			lp = v
		}
		c := &seqNLL[rw.Seq]
		for _, v := range lp {
			c.Sum += v
			c.SumSq += v * v
		}
		c.Count += len(lp)
		if bw != nil && rw.Pos[len(rw.Pos)-1] == plan.NCtx-2 {
			if err := bw.writeRows(rows); err != nil {
				return fmt.Errorf("write %s: %w", opts.SaveBase, err)
			}
		}
		return nil
	})
	if res.Chunks > 0 {
		fmt.Fprintln(r.out)
	}
	if err != nil {
		return res, err
	}
	res.Scored = count
	mean := nll / float64(count)
	res.PPL = math.Exp(mean)
	if v := nll2/float64(count) - mean*mean; v > 0 {
		res.PPLError = math.Sqrt(v/float64(count-1)) * res.PPL
		fmt.Fprintf(r.log, "Final estimate: PPL = %.4f +/- %.5f\n", res.PPL, res.PPLError)
	} else {
		fmt.Fprintln(r.log, "Unexpected negative standard deviation of log(prob)")
	}
	if bw != nil {
		if err := bw.flush(); err != nil {
			return res, fmt.Errorf("write %s: %w", opts.SaveBase, err)
		}
		if err := bf.Commit(); err != nil {
			return res, err
		}
	}
	return res, nil
}

// runner holds what every mode needs: the context, the batch, the decoder.
type runner struct {
	dec      *chunks.Decoder
	batch    *llama.Batch
	out, log io.Writer
	progress func(Progress)
}

func newRunner(m *llama.Model, plan chunks.Plan, tokens []int32, opts Options) (*runner, error) {
	lctx, err := llama.NewContext(m, llama.ContextParams{
		NCtx: plan.ContextCells(), NBatch: plan.NBatch, NUBatch: orDefault(opts.NUBatch, 512),
		NSeqMax: plan.NSeq, Threads: opts.Threads, FlashAttn: opts.FlashAttn,
	})
	if err != nil {
		return nil, err
	}
	r := &runner{batch: llama.NewBatch(plan.NBatch), out: orDiscard(opts.Out), log: orDiscard(opts.Log), progress: opts.Progress}
	r.dec = &chunks.Decoder{Ctx: lctx, Batch: r.batch, Tokens: tokens, Plan: plan, AddBOS: m.AddBOS(), BOS: m.BOS()}
	if n := m.NCtxTrain(); plan.ContextCells() > n && n > 0 {
		fmt.Fprintf(r.log, "perplexity: model was trained on only %d context tokens (%d specified)\n", n, plan.ContextCells())
	}
	return r, nil
}

func (r *runner) close() {
	r.batch.Close()
	r.dec.Ctx.Close()
}

func (r *runner) fill(res *Result) {
	p := r.dec.Plan
	res.NCtx, res.NBatch, res.NSeq = p.NCtx, p.NBatch, p.NSeq
}

// loop decodes the plan's chunks group by group, calling score for each
// sequence's rows and done after each group with the group's sums.
func (r *runner) loop(ctx context.Context, res *Result, done func([]ChunkNLL), score func([]ChunkNLL, chunks.Rows) error) error {
	p := r.dec.Plan
	if r.progress != nil {
		r.progress(Progress{TotalChunks: p.NChunk, ChunkSize: p.NCtx, PPL: math.NaN()})
	}
	t0 := time.Now()
	var nll float64
	var count int
	for i := 0; i < p.NChunk; i += p.NSeq {
		nSeq := min(p.NSeq, p.NChunk-i)
		seqNLL := make([]ChunkNLL, nSeq)
		err := r.dec.Group(ctx, i, nSeq, func(rw chunks.Rows) error { return score(seqNLL, rw) })
		res.Elapsed = time.Since(t0)
		if err != nil {
			return err
		}
		if i == 0 {
			secs := res.Elapsed.Seconds()
			fmt.Fprintf(r.log, "perplexity: %.2f seconds per pass - ETA %.2f minutes\n", secs, float64(int(secs*float64(p.NChunk)/float64(p.NSeq)))/60)
		}
		done(seqNLL)
		res.ChunkNLL = append(res.ChunkNLL, seqNLL...)
		res.Chunks += nSeq
		res.Tokens += nSeq * p.NCtx
		for _, c := range seqNLL {
			nll += c.Sum
			count += c.Count
		}
		if r.progress != nil {
			r.progress(Progress{Chunks: res.Chunks, TotalChunks: p.NChunk, ChunkSize: p.NCtx, Tokens: res.Tokens,
				Elapsed: res.Elapsed, PPL: math.Exp(nll / float64(count))})
		}
	}
	return nil
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
