// Package perplexity scores a text with a GGUF model through the linked
// llama.cpp as llama-perplexity does: perplexity over the second half of
// each n_ctx chunk, and KL divergence against a base model's saved
// log-probabilities (--kl-divergence-base / --kl-divergence), in
// llama-perplexity's own base-file format.
package perplexity

import (
	"io"
	"time"

	"github.com/calibkit/calibkit/internal/llama"
)

// Options are llama-perplexity's settings for one run. Zero values take its
// defaults.
type Options struct {
	// NCtx is the chunk size in tokens (-c, default 512). With KLDBase, 0
	// takes the base file's; any other value must equal it.
	NCtx int
	// NBatch is the logical batch (-b, default 2048): that many whole
	// chunks are decoded side by side as separate sequences, the batch
	// trimmed to them; a batch smaller than a chunk splits each chunk.
	NBatch int
	// NUBatch is the physical batch (-ub, default 512).
	NUBatch int
	// Threads is the number of threads (0: llama.DefaultThreads).
	Threads int
	// Chunks caps the number of chunks (--chunks); 0 or less means all.
	// A KL-divergence run takes the base file's chunks, as upstream does.
	Chunks int
	// FlashAttn is the attention path (-fa); the zero value is llama.cpp's
	// auto (on for the CPU). The calibkit command defaults to off, faster
	// with the pinned kernels (docs/perplexity.md).
	FlashAttn llama.FlashAttn
	// SaveBase, when set, writes the base model's log-probabilities there
	// (atomically) while computing the perplexity: llama-perplexity's
	// --kl-divergence-base without --kl-divergence.
	SaveBase string
	// ParseSpecial tokenizes special-token text (e.g. "<|im_start|>") as
	// the special tokens it names, for chat-formatted text; by default it
	// is tokenized as plain text, as llama-perplexity does (it has no
	// --parse-special). With SaveBase the base file holds the tokens so
	// made; a KL-divergence run takes its tokens from the base file.
	ParseSpecial bool
	// KLDBase, when set, reads a base file and computes the KL divergence
	// of the model against it (--kl-divergence-base FILE --kl-divergence).
	// The text is not used: the tokens come from the file.
	KLDBase string
	// Out receives what llama-perplexity prints on stdout: the running
	// "[1]5.3541,[2]7.6622,..." line, or the KL-divergence table and
	// statistics. nil drops it.
	Out io.Writer
	// Log receives what llama-perplexity prints on stderr about the run:
	// the chunk plan and "Final estimate: PPL = X +/- E". nil drops it.
	Log io.Writer
	// Progress, if set, is called before the first chunk and after each
	// group of chunks.
	Progress func(Progress)
}

// Progress reports a run's advance.
type Progress struct {
	Chunks, TotalChunks, ChunkSize int
	Tokens                         int // tokens decoded so far
	Elapsed                        time.Duration
	PPL                            float64 // running estimate, NaN before the first chunk
}

// ChunkNLL is one chunk's negative log-likelihood over its scored tokens.
type ChunkNLL struct {
	Sum   float64 `json:"sum"`    // Σ -log p
	SumSq float64 `json:"sum_sq"` // Σ (log p)²
	Count int     `json:"count"`  // tokens scored (n_ctx - 1 - n_ctx/2)
}

// Result sums up a run.
type Result struct {
	// Mode is "ppl", "kld-base" (perplexity while saving a base file) or
	// "kld".
	Mode string `json:"mode"`
	// TextTokens is the number of tokens the text gave (the base file's
	// token count in KL-divergence mode).
	TextTokens int `json:"text_tokens"`
	NCtx       int `json:"n_ctx"`
	NBatch     int `json:"n_batch"`
	NSeq       int `json:"n_seq"`
	NVocab     int `json:"n_vocab"`
	// Chunks is the number of chunks decoded and scored.
	Chunks int `json:"chunks"`
	// Tokens is the number of tokens decoded; Scored those scored.
	Tokens int `json:"tokens"`
	Scored int `json:"scored"`
	// PPL and PPLError are the final estimate and its standard error as
	// llama-perplexity prints them; NaN when not computed.
	PPL      float64 `json:"ppl"`
	PPLError float64 `json:"ppl_error"`
	// ChunkNLL holds each chunk's sums, in text order, so that two models
	// scored on the same text can be compared chunk by chunk.
	ChunkNLL []ChunkNLL `json:"chunk_nll"`
	// Elapsed is the time spent decoding and scoring (tokenization and
	// loading excluded).
	Elapsed time.Duration `json:"-"`
	// KLD holds the KL-divergence statistics in "kld" mode.
	KLD *KLDStats `json:"kld,omitempty"`
}

// TokensPerSecond returns the decoding speed of the run.
func (r *Result) TokensPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Tokens) / r.Elapsed.Seconds()
}
