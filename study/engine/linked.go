package engine

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/perplexity"
	"github.com/calibkit/calibkit/quantize"
)

// Linked runs the steps in calibkit's own llama.cpp, linked through cgo:
// imatrix.Run, quantize.Run and perplexity.Run.
type Linked struct{}

// Name implements Engine.
func (Linked) Name() string { return "linked" }

// Identity implements Engine: the pinned llama.cpp commit.
func (Linked) Identity() string { return "linked:" + llama.Commit }

// flashAttn maps the study's setting to llama.cpp's; "" is the calibkit
// commands' default, off (faster with the pinned CPU kernels).
func flashAttn(s string) (llama.FlashAttn, error) {
	if s == "" {
		s = "off"
	}
	return llama.ParseFlashAttn(s)
}

// Imatrix implements Engine with imatrix.Run.
func (Linked) Imatrix(ctx context.Context, j ImatrixJob) (*ImatrixResult, error) {
	fa, err := flashAttn(j.FlashAttn)
	if err != nil {
		return nil, err
	}
	ro := imatrix.RunOptions{
		Model: j.Model, File: j.Text, Output: j.Output, Format: imatrix.FormatGGUF,
		CtxSize: j.Ctx, BatchSize: j.Batch, UBatchSize: min(512, j.Batch), Threads: j.Threads, FlashAttn: fa,
		Chunks: j.Chunks, ParseSpecial: j.ParseSpecial, OutFreq: 1 << 30, Log: j.Log, PPLOut: j.Log,
		Command: []string{"calibkit", "study", "imatrix"},
	}
	if j.Progress != nil {
		ro.Progress = func(p imatrix.Progress) { j.Progress(p.Chunks, p.TotalChunks) }
	}
	r, err := imatrix.Run(ctx, ro)
	if err != nil {
		return nil, fmt.Errorf("imatrix of %s: %w", j.Text, err)
	}
	return &ImatrixResult{Chunks: r.ChunkCount, ChunkSize: r.ChunkSize, Entries: r.Entries, TextTokens: r.TextTokens}, nil
}

// Quantize implements Engine with quantize.Run.
func (Linked) Quantize(ctx context.Context, j QuantizeJob) (*QuantizeResult, error) {
	qo := quantize.Options{Input: j.Model, Output: j.Output, Type: j.Type, Threads: j.Threads, Imatrix: j.Imatrix,
		OutputTensorType: j.OutputTensorType, TokenEmbeddingType: j.TokenEmbeddingType, TensorTypes: j.TensorTypes,
		LeaveOutputTensor: j.LeaveOutputTensor, Pure: j.Pure, Command: []string{"calibkit", "study", "quantize"}}
	if _, err := quantize.Run(ctx, qo); err != nil {
		return nil, err
	}
	fi, err := os.Stat(j.Output)
	if err != nil {
		return nil, err
	}
	if j.Log != nil {
		fmt.Fprintf(j.Log, "quantized %s to %s (%s): %d bytes\n", j.Model, j.Output, j.Type, fi.Size())
	}
	return &QuantizeResult{Bytes: fi.Size()}, nil
}

func (j PerplexityJob) options() (perplexity.Options, error) {
	fa, err := flashAttn(j.FlashAttn)
	if err != nil {
		return perplexity.Options{}, err
	}
	po := perplexity.Options{NCtx: j.Ctx, NBatch: j.Batch, NUBatch: min(512, j.Batch), Threads: j.Threads,
		Chunks: max(j.Chunks, 0), FlashAttn: fa, ParseSpecial: j.ParseSpecial, Out: j.Log, Log: j.Log}
	if j.Progress != nil {
		po.Progress = func(p perplexity.Progress) { j.Progress(p.Chunks, p.TotalChunks) }
	}
	return po, nil
}

// run loads model and runs perplexity.Run on text (read from j.Text
// unless it is a KL-divergence run).
func (j PerplexityJob) run(ctx context.Context, model string, po perplexity.Options) (*perplexity.Result, error) {
	var text string
	if j.Text != "" {
		b, err := os.ReadFile(j.Text)
		if err != nil {
			return nil, fmt.Errorf("read eval text: %w", err)
		}
		text = strings.TrimSuffix(string(b), "\n") // as llama.cpp's -f
	}
	m, err := llama.LoadModel(model, llama.ModelParams{})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	return perplexity.Run(ctx, m, text, po)
}

// Perplexity implements Engine with perplexity.Run.
func (Linked) Perplexity(ctx context.Context, j PerplexityJob) (*PerplexityResult, error) {
	po, err := j.options()
	if err != nil {
		return nil, err
	}
	r, err := j.run(ctx, j.Model, po)
	if err != nil {
		return nil, fmt.Errorf("perplexity of %s on %s: %w", j.Model, j.Text, err)
	}
	out := &PerplexityResult{PPL: r.PPL, PPLError: r.PPLError, ChunkNLL: make([]float64, len(r.ChunkNLL)), ParseSpecial: j.ParseSpecial}
	for i, c := range r.ChunkNLL {
		out.ChunkNLL[i] = c.Sum / float64(c.Count)
	}
	return out, nil
}

// SaveKLDBase implements Engine with perplexity.Run and SaveBase.
func (Linked) SaveKLDBase(ctx context.Context, j PerplexityJob, out string) error {
	po, err := j.options()
	if err != nil {
		return err
	}
	po.SaveBase = out
	if _, err := j.run(ctx, j.Model, po); err != nil {
		return fmt.Errorf("KL-divergence base of %s on %s: %w", j.Model, j.Text, err)
	}
	return nil
}

// KLD implements Engine with perplexity.Run and KLDBase.
func (Linked) KLD(ctx context.Context, model, base string, j PerplexityJob) (*KLDResult, error) {
	po, err := j.options()
	if err != nil {
		return nil, err
	}
	po.KLDBase = base
	po.ParseSpecial = false // the base file's tokens
	j.Text = ""
	r, err := j.run(ctx, model, po)
	if err != nil {
		return nil, fmt.Errorf("KL divergence of %s: %w", model, err)
	}
	if r.KLD == nil {
		return nil, fmt.Errorf("KL divergence of %s: no statistics (fewer than 100 tokens scored?)", model)
	}
	out := KLDStats(r.KLD)
	out.ChunkKLD = r.KLD.ChunkKLD
	return out, nil
}

// KLDStats labels the linked statistics as llama-perplexity prints them,
// percentages in percent, so that both engines give the same records.
func KLDStats(s *perplexity.KLDStats) *KLDResult {
	st := map[string]Stat{
		"Mean PPL(Q)":                    {s.PPL, s.PPLErr},
		"Mean PPL(base)":                 {s.BasePPL, s.BasePPLErr},
		"Cor(ln(PPL(Q)), ln(PPL(base)))": {100 * s.Cor, 0},
		"Mean ln(PPL(Q)/PPL(base))":      {s.LogRatio, s.LogRatioErr},
		"Mean PPL(Q)/PPL(base)":          {s.Ratio, s.RatioErr},
		"Mean PPL(Q)-PPL(base)":          {s.Diff, s.DiffErr},
		"Mean KLD":                       {s.KLD, s.KLDErr},
		"Mean Δp":                        {100 * s.DeltaP, 100 * s.DeltaPErr},
		"RMS Δp":                         {100 * s.RMSDeltaP, 100 * s.RMSDeltaPErr},
		"Same top p":                     {100 * s.SameTop, 100 * s.SameTopErr},
	}
	pct := func(suffix string, p perplexity.Percentiles, scale float64, quartiles bool) {
		for label, v := range map[string]float64{"Maximum": p.Max, "99.9%": p.P999, "99.0%": p.P99, "95.0%": p.P95, "90.0%": p.P90,
			"Median": p.Median, "10.0%": p.P10, "5.0%": p.P5, "1.0%": p.P1, "0.1%": p.P01, "Minimum": p.Min} {
			st[label+" "+suffix] = Stat{Value: scale * v}
		}
		if quartiles {
			st["75.0% "+suffix] = Stat{Value: scale * p.P75}
			st["25.0% "+suffix] = Stat{Value: scale * p.P25}
		}
	}
	pct("KLD", s.KLDPct, 1, false)
	pct("Δp", s.DeltaPPct, 100, true)
	return &KLDResult{Stats: st}
}
