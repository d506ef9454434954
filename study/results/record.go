// Package results holds a study's per-cell records (DIR/results.jsonl)
// and what is built from them: results.csv, results.md with the study's
// table and the paired per-chunk comparisons against the baseline, and
// PNG charts.
package results

import (
	"time"

	"github.com/calibkit/calibkit/coverage"
	"github.com/calibkit/calibkit/study/engine"
)

// Record is one cell's result: every parameter, the perplexity with its
// error and per-chunk mean NLL, KL-divergence statistics and per-chunk
// mean KLD when the study has a base, what the imatrix source held, and
// timings.
type Record struct {
	Study string `json:"study"`
	Index int    `json:"index"`
	Cell  string `json:"cell"`
	// Key is the cell's perplexity step key: a record whose key differs
	// from the plan's is stale.
	Key string `json:"key"`

	Source     string   `json:"source"`
	SourceKind string   `json:"source_kind"`
	Share      *float64 `json:"share,omitempty"`
	Repeat     int      `json:"repeat,omitempty"`
	Baseline   string   `json:"baseline"`

	Variant       string         `json:"variant"`
	VariantParams map[string]any `json:"variant_params"`
	Eval          string         `json:"eval"`

	Engine      string `json:"engine"`
	Model       string `json:"model"`
	ModelSHA256 string `json:"model_sha256"`
	Ctx         int    `json:"ctx"`
	Batch       int    `json:"batch"`
	Chunks      int    `json:"chunks"`
	ImatrixCh   int    `json:"imatrix_chunks_setting"`
	FlashAttn   string `json:"flash_attn"`

	// What the imatrix was computed from (zero for none and file).
	SourceBytes   int64 `json:"source_bytes,omitempty"`
	SourceTokens  int   `json:"source_tokens,omitempty"`
	ImatrixChunks int   `json:"imatrix_chunks,omitempty"`
	// SourceCoverage is what the imatrix source's text exercises in the
	// model's vocabulary (calibkit coverage): tokens per byte and the
	// share of the vocabulary seen, overall and per script.
	SourceCoverage *coverage.Summary `json:"source_coverage,omitempty"`
	QuantBytes     int64             `json:"quant_bytes"`
	EvalBytes      int64             `json:"eval_bytes"`
	// EvalParseSpecial says perplexity (and KL divergence) tokenized the
	// chat-formatted eval text with its special tokens parsed, as the
	// linked engine does unless the study's eval_parse_special is off.
	EvalParseSpecial bool `json:"eval_parse_special,omitempty"`

	PPL      float64   `json:"ppl"`
	PPLError float64   `json:"ppl_error"`
	ChunkNLL []float64 `json:"chunk_nll"`

	KLD map[string]engine.Stat `json:"kld,omitempty"`
	// ChunkKLD is each chunk's mean KL divergence, in text order
	// (engine.KLDResult); absent in records from before calibkit recorded
	// it, and then no paired KLD ratio is drawn for the cell.
	ChunkKLD []float64 `json:"chunk_kld,omitempty"`

	// Task names the task set of a task cell (Eval is "" then, and the
	// perplexity fields are zero); TaskScore is its score.
	Task      string     `json:"task,omitempty"`
	TaskScore *TaskScore `json:"task_score,omitempty"`

	// Seconds per step kind, as computed (a cached step keeps the time it
	// took when it ran).
	Seconds  map[string]float64 `json:"seconds"`
	Finished time.Time          `json:"finished"`
}

// TaskScore is a quant's score on a task set: accuracy and its standard
// error in percent as llama-perplexity computes them, the 95% Wilson
// interval in percent, and each task's outcome in the order scored
// (engine.TaskItem), with the parameters it was scored with.
type TaskScore struct {
	engine.TaskResult
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
	// Tasks and Parallel are the task set's settings (0: upstream's
	// defaults).
	Tasks    int `json:"tasks_setting"`
	Parallel int `json:"parallel"`
}
