package engine

import (
	"context"
	"fmt"

	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/llama"
)

// Linked runs the steps in calibkit's own llama.cpp, linked through cgo.
type Linked struct{}

// Name implements Engine.
func (Linked) Name() string { return "linked" }

// Identity implements Engine: the pinned llama.cpp commit.
func (Linked) Identity() string { return "linked:" + llama.Commit }

// Imatrix implements Engine with imatrix.Run.
func (Linked) Imatrix(ctx context.Context, j ImatrixJob) (*ImatrixResult, error) {
	ro := imatrix.RunOptions{
		Model: j.Model, File: j.Text, Output: j.Output, Format: imatrix.FormatGGUF,
		CtxSize: j.Ctx, BatchSize: j.Batch, UBatchSize: min(512, j.Batch), Threads: j.Threads,
		Chunks: j.Chunks, OutFreq: 1 << 30, Log: j.Log, PPLOut: j.Log,
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

// Quantize implements Engine; this build has no linked quantize yet.
func (Linked) Quantize(context.Context, QuantizeJob) (*QuantizeResult, error) {
	return nil, fmt.Errorf("quantize: %w", ErrNotLinked)
}

// Perplexity implements Engine; this build has no linked perplexity yet.
func (Linked) Perplexity(context.Context, PerplexityJob) (*PerplexityResult, error) {
	return nil, fmt.Errorf("perplexity: %w", ErrNotLinked)
}

// SaveKLDBase implements Engine; this build has no linked perplexity yet.
func (Linked) SaveKLDBase(context.Context, PerplexityJob, string) error {
	return fmt.Errorf("KL-divergence base: %w", ErrNotLinked)
}

// KLD implements Engine; this build has no linked perplexity yet.
func (Linked) KLD(context.Context, string, string, PerplexityJob) (*KLDResult, error) {
	return nil, fmt.Errorf("KL divergence: %w", ErrNotLinked)
}
