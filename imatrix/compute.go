package imatrix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/calibkit/calibkit/internal/chunks"
	"github.com/calibkit/calibkit/internal/llama"
)

// ComputeOptions are llama-imatrix's settings for one run. Zero values take
// its defaults.
type ComputeOptions struct {
	// NCtx is the chunk size in tokens (-c, default 512).
	NCtx int
	// NBatch is the logical batch (-b, default 2048). When it holds
	// several chunks, that many whole chunks are decoded side by side as
	// separate sequences and the batch is trimmed to them, as
	// llama-imatrix does; a batch smaller than a chunk splits each chunk.
	NBatch int
	// NUBatch is the physical batch (-ub, default 512).
	NUBatch int
	// Threads is the number of threads (0: llama.DefaultThreads, the
	// physical cores).
	Threads int
	// Chunks caps the number of chunks (--chunks); 0 or less means all.
	Chunks int
	// FromChunk skips that many chunks at the start of the text
	// (--from-chunk / --chunk).
	FromChunk int
	// ParseSpecial tokenizes special-token text as special tokens.
	ParseSpecial bool
	// NoPPL skips the perplexity estimate (--no-ppl).
	NoPPL bool
	// FlashAttn is the attention path (-fa); the zero value is llama.cpp's
	// auto. calibkit's command defaults to off, faster with the pinned CPU
	// kernels (docs/imatrix.md).
	FlashAttn llama.FlashAttn
	// OutputFrequency calls Save(0) each time the chunk count passes a
	// multiple of it (default 10).
	OutputFrequency int
	// SaveFrequency, when positive, calls Save(n) with the chunk count n
	// each time it passes a multiple of it (upstream's "<out>.at_<n>").
	SaveFrequency int
	// Save writes the collector's committed data; see the frequencies.
	Save func(atChunk int) error
	// Progress, if set, is called once before the first chunk (Chunks 0)
	// and after each group of chunks.
	Progress func(Progress)
	// PPLOut receives the running perplexity as llama-imatrix prints it:
	// "[1]5.3541,[2]7.6622,..." then the final estimate line.
	PPLOut io.Writer
	// Log receives a few lines about the run (chunk plan); nil drops them.
	Log io.Writer
}

// Progress reports a run's advance after each group of chunks.
type Progress struct {
	Chunks      int // chunks decoded so far in this run
	TotalChunks int // chunks this run will decode
	ChunkSize   int // tokens per chunk
	Tokens      int // tokens decoded so far
	Elapsed     time.Duration
	// PPL is the running perplexity estimate (NaN before the first chunk
	// or without perplexity).
	PPL float64
}

// Result sums up a run.
type Result struct {
	// TextTokens is the number of tokens the whole text gave.
	TextTokens int
	// Chunks is the number of chunks decoded and committed.
	Chunks int
	// Tokens is the number of tokens decoded in those chunks.
	Tokens int
	// Elapsed is the time spent decoding (tokenization excluded).
	Elapsed time.Duration
	// PPL and PPLError are the final perplexity estimate and its standard
	// error; NaN when not computed.
	PPL, PPLError float64
}

// TokensPerSecond returns the decoding speed of the run.
func (r *Result) TokensPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Tokens) / r.Elapsed.Seconds()
}

// ErrTooShort reports a text that does not give two full chunks.
var ErrTooShort = errors.New("text too short")

// ErrNothingCollected reports a run that decoded its chunks but saw no
// matrix multiplication it may collect (micro-batches under 16 tokens, no
// blk.* weights): its file would hold no data.
var ErrNothingCollected = errors.New("no activations collected")

// Compute tokenizes text with the model (BOS added as the vocabulary asks,
// the whole text at once), cuts it into chunks of NCtx tokens with BOS
// written over each chunk's first token when the vocabulary adds BOS, and
// decodes them, collecting into c and estimating the perplexity over the
// second half of each chunk, exactly as llama-imatrix does. c nil decodes
// the same chunks without the evaluation hook (the speed baseline).
//
// Activations are committed to c chunk group by chunk group: when ctx is
// cancelled or a decode fails, the group in flight is dropped and the
// returned Result (never nil) tells how many chunks c holds from this run;
// the error is ctx's or the decode's.
func Compute(ctx context.Context, m *llama.Model, c *Collector, text string, opts ComputeOptions) (*Result, error) {
	res := &Result{PPL: math.NaN(), PPLError: math.NaN()}
	nCtx := orDefault(opts.NCtx, 512)
	nBatch := orDefault(opts.NBatch, 2048)
	nUBatch := orDefault(opts.NUBatch, 512)
	outFreq := orDefault(opts.OutputFrequency, 10)
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	if m.AddEOS() {
		return res, fmt.Errorf("model %s: its vocabulary appends EOS to text, which llama-imatrix does not support", m.Path())
	}
	tokens, err := m.Tokenize(text, true, opts.ParseSpecial)
	if err != nil {
		return res, err
	}
	res.TextTokens = len(tokens)
	if opts.FromChunk > 0 {
		if (opts.FromChunk+2)*nCtx >= len(tokens) {
			return res, fmt.Errorf("%w: %d tokens leave fewer than two chunks of %d after skipping %d chunks",
				ErrTooShort, len(tokens), nCtx, opts.FromChunk)
		}
		tokens = tokens[opts.FromChunk*nCtx:]
	}
	if len(tokens) < 2*nCtx {
		return res, fmt.Errorf("%w: it gives %d tokens but two chunks of %d tokens (%d) are needed; use a longer text or a smaller context size",
			ErrTooShort, len(tokens), nCtx, 2*nCtx)
	}
	// as llama-imatrix sizes its context: as many whole chunks side by side
	// as the batch holds, the batch trimmed to them (-c 128 -b 300 decodes
	// two chunks of 128 per batch of 256)
	plan := chunks.NewPlan(nCtx, nBatch, len(tokens), opts.Chunks)
	nChunk, nSeq := plan.NChunk, plan.NSeq
	nBatch = plan.NBatch

	var hook llama.EvalHook
	if c != nil {
		hook = wrapHook(collectorHook{c})
	}
	lctx, err := llama.NewContext(m, llama.ContextParams{
		NCtx: nSeq * nCtx, NBatch: nBatch, NUBatch: nUBatch, NSeqMax: nSeq,
		Threads: opts.Threads, FlashAttn: opts.FlashAttn, EvalHook: hook,
	})
	if err != nil {
		return res, err
	}
	defer lctx.Close()
	batch := llama.NewBatch(min(nBatch, nCtx*nSeq))
	defer batch.Close()

	fmt.Fprintf(logw, "computing over %d chunks, n_ctx=%d, batch_size=%d, n_seq=%d\n", nChunk, nCtx, nBatch, nSeq)
	if n := m.NCtxTrain(); nCtx > n && n > 0 {
		fmt.Fprintf(logw, "warning: model was trained on only %d context tokens (%d specified)\n", n, nCtx)
	}

	dec := &chunks.Decoder{
		Ctx: lctx, Batch: batch, Tokens: tokens, Plan: plan,
		AddBOS: m.AddBOS(), BOS: m.BOS(), AllOutputs: true, NoScore: opts.NoPPL,
	}
	ppl := !opts.NoPPL
	pplOut := opts.PPLOut
	if pplOut == nil {
		pplOut = io.Discard
	}
	if opts.Progress != nil {
		opts.Progress(Progress{TotalChunks: nChunk, ChunkSize: nCtx, PPL: math.NaN()})
	}
	var nll, nll2 float64
	var count int
	collected := false
	prevChunks := 0
	if c != nil {
		prevChunks = c.ChunkCount()
	}
	t0 := time.Now()
	for i := 0; i < nChunk; i += nSeq {
		nSeqBatch := min(nSeq, nChunk-i)
		if c != nil {
			c.SetChunks(chunkDesc(opts.FromChunk+i+1, opts.FromChunk+i+nSeqBatch))
		}
		seqNLL, err := group(ctx, dec, i, nSeqBatch)
		if err != nil {
			if c != nil {
				c.Discard()
			}
			if ppl && res.Chunks > 0 {
				fmt.Fprintln(pplOut) // end the line of running values
			}
			res.Elapsed = time.Since(t0)
			return res, err
		}
		if c != nil {
			collected = collected || c.staged() > 0
			c.Commit()
		}
		res.Chunks += nSeqBatch
		res.Tokens += nSeqBatch * nCtx
		res.Elapsed = time.Since(t0)
		if ppl {
			for seq, s := range seqNLL {
				nll += s[0]
				nll2 += s[1]
				count += nCtx - nCtx/2 - 1
				fmt.Fprintf(pplOut, "[%d]%.4f,", i+seq+1, math.Exp(nll/float64(count)))
			}
		}
		if c != nil && opts.Save != nil {
			cur := c.ChunkCount()
			if cur/outFreq > prevChunks/outFreq {
				if err := opts.Save(0); err != nil {
					return res, err
				}
			}
			if f := opts.SaveFrequency; f > 0 && cur/f > prevChunks/f {
				if err := opts.Save(cur); err != nil {
					return res, err
				}
			}
			prevChunks = cur
		}
		if opts.Progress != nil {
			ppl := math.NaN()
			if count > 0 {
				ppl = math.Exp(nll / float64(count))
			}
			opts.Progress(Progress{Chunks: res.Chunks, TotalChunks: nChunk, ChunkSize: nCtx, Tokens: res.Tokens, Elapsed: res.Elapsed, PPL: ppl})
		}
	}
	if c != nil && !collected {
		if ppl {
			fmt.Fprintln(pplOut)
		}
		hint := "no weight named blk.* was multiplied by float32 activations"
		if u := min(nUBatch, nBatch); u < 16 {
			hint = fmt.Sprintf("llama-imatrix skips micro-batches under 16 tokens and this run's had %d; use -b and --ubatch-size of 16 or more", u)
		}
		return res, fmt.Errorf("%w in %d chunks: %s", ErrNothingCollected, res.Chunks, hint)
	}
	if ppl {
		fmt.Fprintln(pplOut)
		mean := nll / float64(count)
		res.PPL = math.Exp(mean)
		v := nll2/float64(count) - mean*mean
		if v > 0 {
			res.PPLError = math.Sqrt(v/float64(count-1)) * res.PPL
			fmt.Fprintf(pplOut, "Final estimate: PPL = %.4f +/- %.5f\n", res.PPL, res.PPLError)
		} else {
			fmt.Fprintln(pplOut, "Unexpected negative standard deviation of log(prob)")
		}
	}
	return res, nil
}

// group decodes nSeq chunks starting at chunk first and returns, per
// sequence, Σ-log p and Σ(log p)² over the second half of its chunk.
func group(ctx context.Context, d *chunks.Decoder, first, nSeq int) ([][2]float64, error) {
	nll := make([][2]float64, nSeq)
	err := d.Group(ctx, first, nSeq, func(r chunks.Rows) error {
		lp, err := d.Ctx.LogProbs(r.Outputs, r.Targets)
		if err != nil {
			return err
		}
		for _, v := range lp {
			nll[r.Seq][0] -= v
			nll[r.Seq][1] += v * v
		}
		return nil
	})
	return nll, err
}

// wrapHook lets tests watch the evaluation hook.
var wrapHook = func(h llama.EvalHook) llama.EvalHook { return h }

// collectorHook adapts a Collector to llama's evaluation hook.
type collectorHook struct{ c *Collector }

func (h collectorHook) Want(t *llama.Tensor) bool     { return h.c.Want(t) }
func (h collectorHook) Observe(t *llama.Tensor) error { return h.c.Observe(t) }

func chunkDesc(a, b int) string {
	if a == b {
		return fmt.Sprint(a)
	}
	return fmt.Sprintf("%d-%d", a, b)
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}
