// Package engine runs the model steps of a study (imatrix, quantize,
// perplexity, KL divergence) in one of two engines with the same
// parameters and the same records: calibkit's linked llama.cpp, or
// llama.cpp's own tools from a folder (llama-imatrix, llama-quantize,
// llama-perplexity), whose files are read and whose printed results are
// parsed.
package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
)

// Engine runs model steps. Every job writes its output files where the
// job says and returns what it measured.
type Engine interface {
	// Name is "linked" or "llama.cpp"; Identity names the code that
	// computes (commit, tool hashes), for step keys.
	Name() string
	Identity() string
	Imatrix(ctx context.Context, j ImatrixJob) (*ImatrixResult, error)
	Quantize(ctx context.Context, j QuantizeJob) (*QuantizeResult, error)
	Perplexity(ctx context.Context, j PerplexityJob) (*PerplexityResult, error)
	// SaveKLDBase scores text with the base model and saves its
	// log-probabilities in llama-perplexity's base-file format; KLD
	// compares a model against such a file.
	SaveKLDBase(ctx context.Context, j PerplexityJob, out string) error
	KLD(ctx context.Context, model, base string, j PerplexityJob) (*KLDResult, error)
	// Tasks scores a task file (HellaSwag, Winogrande or multiple
	// choice) as llama-perplexity does.
	Tasks(ctx context.Context, j TaskJob) (*TaskResult, error)
}

// Common are the settings every model step takes.
type Common struct {
	Ctx     int // -c
	Batch   int // -b
	Threads int // -t (0: the physical cores)
	// FlashAttn is -fa: "on", "off" or "auto".
	FlashAttn string
	// Log receives the step's own output, for the step log.
	Log io.Writer
	// Progress, when set, is called with work done out of total.
	Progress func(done, total int)
}

// ImatrixJob computes an importance matrix of Model over Text into Output
// (GGUF).
type ImatrixJob struct {
	Common
	Model, Text, Output string
	Chunks              int // 0 or -1: all
	// ParseSpecial tokenizes special-token text as special tokens
	// (llama-imatrix --parse-special), for chat-formatted text.
	ParseSpecial bool
}

// ImatrixResult is what an imatrix run measured.
type ImatrixResult struct {
	Chunks     int `json:"chunks"`
	ChunkSize  int `json:"chunk_size"`
	Entries    int `json:"entries"`
	TextTokens int `json:"text_tokens,omitempty"`
}

// QuantizeJob writes Model quantized to Type, with llama-quantize's
// overrides, into Output; Imatrix "" quantizes without one.
type QuantizeJob struct {
	Model, Imatrix, Output string
	Type                   string
	OutputTensorType       string
	TokenEmbeddingType     string
	TensorTypes            []string // PATTERN=TYPE
	LeaveOutputTensor      bool
	Pure                   bool
	Threads                int
	Log                    io.Writer
}

// QuantizeResult is what a quantize run made.
type QuantizeResult struct {
	Bytes int64 `json:"bytes"`
}

// PerplexityJob scores Text with Model.
type PerplexityJob struct {
	Common
	Model, Text string
	Chunks      int // 0 or -1: all
	// ParseSpecial tokenizes special-token text as special tokens, for
	// chat-formatted text; only the linked engine can (ErrParseSpecial).
	// A KL-divergence run takes its tokens from the base file.
	ParseSpecial bool
}

// PerplexityResult is llama-perplexity's estimate and each chunk's mean
// negative log-likelihood over its scored tokens, in text order;
// ParseSpecial says the text's special tokens were parsed.
type PerplexityResult struct {
	PPL          float64   `json:"ppl"`
	PPLError     float64   `json:"ppl_error"`
	ChunkNLL     []float64 `json:"chunk_nll"`
	ParseSpecial bool      `json:"parse_special,omitempty"`
}

// Stat is one printed statistic with its uncertainty (0 when none).
type Stat struct {
	Value float64 `json:"value"`
	Err   float64 `json:"err,omitempty"`
}

// KLDResult holds llama-perplexity's KL-divergence statistics by their
// printed labels ("Mean KLD", "99.0% KLD", "Same top p", "RMS Δp", "Mean
// ln(PPL(Q)/PPL(base))"...); percentages stay in percent. ChunkKLD is each
// chunk's mean KL divergence, in text order: exact in the linked engine,
// recovered from the printed running means with llama.cpp's tools
// (ParseKLD); absent in a step cached before calibkit recorded it.
type KLDResult struct {
	Stats    map[string]Stat `json:"stats"`
	ChunkKLD []float64       `json:"chunk_kld,omitempty"`
}

// MarshalJSON writes a NaN (llama.cpp prints "-nan" for an undefined
// uncertainty) as null, which JSON can hold.
func (s Stat) MarshalJSON() ([]byte, error) {
	num := func(v float64) any {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return v
	}
	m := map[string]any{"value": num(s.Value)}
	if s.Err != 0 {
		m["err"] = num(s.Err)
	}
	return json.Marshal(m)
}

// UnmarshalJSON reads what MarshalJSON writes; null is NaN.
func (s *Stat) UnmarshalJSON(b []byte) error {
	var m struct{ Value, Err *float64 }
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	s.Value, s.Err = math.NaN(), 0
	if m.Value != nil {
		s.Value = *m.Value
	}
	if m.Err != nil {
		s.Err = *m.Err
	} else if bytes.Contains(b, []byte(`"err":null`)) {
		s.Err = math.NaN()
	}
	return nil
}
