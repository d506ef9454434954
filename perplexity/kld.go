package perplexity

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/calibkit/calibkit/internal/chunks"
	"github.com/calibkit/calibkit/internal/llama"
)

// ErrBaseMismatch reports a base file made with another vocabulary or
// chunk size than this run's.
var ErrBaseMismatch = errors.New("base file does not match")

// runKLD is llama-perplexity --kl-divergence: the chunks and tokens come
// from the base file, streamed one chunk at a time.
func runKLD(ctx context.Context, m *llama.Model, res *Result, opts Options) error {
	f, err := os.Open(opts.KLDBase)
	if err != nil {
		return fmt.Errorf("kl divergence base: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("kl divergence base: %w", err)
	}
	br, err := NewBaseReader(f, opts.KLDBase, st.Size())
	if err != nil {
		return err
	}
	h := &br.Header
	res.TextTokens = len(h.Tokens)
	if h.NVocab != m.NVocab() {
		return fmt.Errorf("%s: %w: it was computed with a vocabulary of %d tokens, but %s has %d; compute the base file with the unquantized version of this model",
			opts.KLDBase, ErrBaseMismatch, h.NVocab, m.Path(), m.NVocab())
	}
	if opts.NCtx > 0 && opts.NCtx != h.NCtx {
		return fmt.Errorf("%s: %w: it was computed with -c %d; run with -c %d (or without -c)", opts.KLDBase, ErrBaseMismatch, h.NCtx, h.NCtx)
	}
	if m.AddEOS() {
		return fmt.Errorf("model %s: its vocabulary appends EOS to text, which llama-perplexity does not support", m.Path())
	}
	plan := chunks.NewPlan(h.NCtx, orDefault(opts.NBatch, 2048), len(h.Tokens), 0)
	r, err := newRunner(m, plan, h.Tokens, opts)
	if err != nil {
		return err
	}
	defer r.close()
	r.fill(res)
	fmt.Fprintf(r.log, "kl_divergence: computing over %d chunks, n_ctx=%d, batch_size=%d, n_seq=%d\n",
		plan.NChunk, plan.NCtx, plan.NBatch, plan.NSeq)

	rowLen := h.RowLen()
	base := make([]uint16, h.ChunkLen())
	var sums kldSums
	kldValues := make([]float32, 0, plan.Scored()*plan.NChunk)
	pDiffValues := make([]float32, 0, plan.Scored()*plan.NChunk)
	header := false
	var lines [][10]float64 // running values after each chunk of the group
	var chunkKLD []float64  // each chunk's mean KLD, in text order
	var groupKLD []float64  // the group's sums of KLD, by sequence
	err = r.loop(ctx, res, func(seqNLL []ChunkNLL) {
		groupKLD = growTo(groupKLD, len(seqNLL))
		for i, c := range seqNLL {
			chunkKLD = append(chunkKLD, groupKLD[i]/float64(c.Count))
			groupKLD[i] = 0
		}
		if !header {
			fmt.Fprintf(r.out, "\nchunk             PPL               ln(PPL(Q)/PPL(base))          KL Divergence              Δp RMS            Same top p\n")
			header = true
		}
		for i, v := range lines {
			fmt.Fprintf(r.out, "%4d    %9.4f ± %9.4f    %10.5f ± %10.5f    %10.5f ± %10.5f    %6.3f ± %6.3f %%    %6.3f ± %6.3f %%\n",
				len(res.ChunkNLL)+i+1, v[0], v[1], v[2], v[3], v[4], v[5], 100*v[6], 100*v[7], 100*v[8], 100*v[9])
		}
		lines = lines[:0]
	}, func(seqNLL []ChunkNLL, rw chunks.Rows) error {
		if rw.Pos[0] == plan.First() {
			if err := br.ReadChunk(base); err != nil {
				return err
			}
		}
		off := (rw.Pos[0] - plan.First()) * rowLen
		kr, err := r.dec.Ctx.KLD(rw.Outputs, rw.Targets, base[off:])
		if err != nil {
			return err
		}
		c := &seqNLL[rw.Seq]
		groupKLD = growTo(groupKLD, rw.Seq+1)
		for _, k := range kr {
			groupKLD[rw.Seq] += k.KLD
			sums.nll += float64(k.NLL)
			sums.nll2 += float64(k.NLL * k.NLL)
			sums.nllBase += float64(k.NLLBase)
			sums.nllBase2 += float64(k.NLLBase * k.NLLBase)
			sums.nllNLLBase += float64(k.NLL * k.NLLBase)
			sums.kld += k.KLD
			sums.kld2 += k.KLD * k.KLD
			sums.count++
			if k.SameTop {
				sums.sameTop++
			}
			sums.pDiff += float64(k.PDiff)
			p2 := float64(k.PDiff * k.PDiff)
			sums.pDiff2 += p2
			sums.pDiff4 += p2 * p2
			kldValues = append(kldValues, float32(k.KLD))
			pDiffValues = append(pDiffValues, k.PDiff)
			n := float64(k.NLL)
			c.Sum += n
			c.SumSq += n * n
			c.Count++
		}
		if rw.Pos[len(rw.Pos)-1] == plan.NCtx-2 {
			lines = append(lines, sums.running())
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(r.out)
	res.Scored = sums.count
	lp, lpe := meanAndUncertainty(sums.nll, sums.nll2, sums.count)
	res.PPL, res.PPLError = math.Exp(lp), math.Exp(lp)*lpe
	res.KLD = sums.stats(kldValues, pDiffValues)
	res.KLD.ChunkKLD = chunkKLD
	if sums.count >= 100 { // upstream prints no statistics on fewer tokens
		printKLD(r.out, res.KLD)
	}
	return nil
}

// growTo returns s extended with zeros to at least n values.
func growTo(s []float64, n int) []float64 {
	for len(s) < n {
		s = append(s, 0)
	}
	return s
}

// printKLD prints the statistics in llama-perplexity's layout.
func printKLD(w io.Writer, s *KLDStats) {
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("====== Perplexity statistics ======\n")
	p("Mean PPL(Q)                   : %10.6f ± %10.6f\n", s.PPL, s.PPLErr)
	p("Mean PPL(base)                : %10.6f ± %10.6f\n", s.BasePPL, s.BasePPLErr)
	p("Cor(ln(PPL(Q)), ln(PPL(base))): %6.2f%%\n", 100*s.Cor)
	p("Mean ln(PPL(Q)/PPL(base))     : %10.6f ± %10.6f\n", s.LogRatio, s.LogRatioErr)
	p("Mean PPL(Q)/PPL(base)         : %10.6f ± %10.6f\n", s.Ratio, s.RatioErr)
	p("Mean PPL(Q)-PPL(base)         : %10.6f ± %10.6f\n", s.Diff, s.DiffErr)
	p("\n")
	k := s.KLDPct
	p("====== KL divergence statistics ======\n")
	p("Mean    KLD: %10.6f ± %10.6f\n", s.KLD, s.KLDErr)
	p("Maximum KLD: %10.6f\n", k.Max)
	p("99.9%%   KLD: %10.6f\n", k.P999)
	p("99.0%%   KLD: %10.6f\n", k.P99)
	p("95.0%%   KLD: %10.6f\n", k.P95)
	p("90.0%%   KLD: %10.6f\n", k.P90)
	p("Median  KLD: %10.6f\n", k.Median)
	p("10.0%%   KLD: %10.6f\n", k.P10)
	p(" 5.0%%   KLD: %10.6f\n", k.P5)
	p(" 1.0%%   KLD: %10.6f\n", k.P1)
	p(" 0.1%%   KLD: %10.6f\n", k.P01)
	p("Minimum KLD: %10.6f\n", k.Min)
	p("\n")
	d := s.DeltaPPct
	p("====== Token probability statistics ======\n")
	p("Mean    Δp: %6.3f ± %5.3f %%\n", 100*s.DeltaP, 100*s.DeltaPErr)
	p("Maximum Δp: %6.3f%%\n", 100*d.Max)
	p("99.9%%   Δp: %6.3f%%\n", 100*d.P999)
	p("99.0%%   Δp: %6.3f%%\n", 100*d.P99)
	p("95.0%%   Δp: %6.3f%%\n", 100*d.P95)
	p("90.0%%   Δp: %6.3f%%\n", 100*d.P90)
	p("75.0%%   Δp: %6.3f%%\n", 100*d.P75)
	p("Median  Δp: %6.3f%%\n", 100*d.Median)
	p("25.0%%   Δp: %6.3f%%\n", 100*d.P25)
	p("10.0%%   Δp: %6.3f%%\n", 100*d.P10)
	p(" 5.0%%   Δp: %6.3f%%\n", 100*d.P5)
	p(" 1.0%%   Δp: %6.3f%%\n", 100*d.P1)
	p(" 0.1%%   Δp: %6.3f%%\n", 100*d.P01)
	p("Minimum Δp: %6.3f%%\n", 100*d.Min)
	p("RMS Δp    : %6.3f ± %5.3f %%\n", 100*s.RMSDeltaP, 100*s.RMSDeltaPErr)
	p("Same top p: %6.3f ± %5.3f %%\n", 100*s.SameTop, 100*s.SameTopErr)
}
