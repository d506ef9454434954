package imatrix

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/manifest"
)

// RunOptions describe one `calibkit imatrix` run: a calibration text
// through a model into an imatrix file with its manifest, and/or earlier
// imatrix files (InFiles) merged in.
type RunOptions struct {
	Model         string
	File          string // calibration text; "" merges/converts InFiles only
	Output        string
	Format        Format
	CtxSize       int
	BatchSize     int
	UBatchSize    int
	Threads       int
	Chunks        int // -1 or 0: all
	FromChunk     int
	ProcessOutput bool
	ParseSpecial  bool
	NoPPL         bool
	FlashAttn     llama.FlashAttn
	OutFreq       int
	SaveFreq      int
	InFiles       []string
	// Command is the command line recorded in the manifest.
	Command []string

	// Log receives a few lines about the run (nil: dropped); PPLOut the
	// running perplexity as llama-imatrix prints it; Progress, when set,
	// is called after each group of chunks; AfterSave right after each
	// save of the output or a snapshot.
	Log       io.Writer
	PPLOut    io.Writer
	Progress  func(Progress)
	AfterSave func()
}

// RunResult is what Run made; its JSON form is `calibkit imatrix --json`.
type RunResult struct {
	Model       string   `json:"model,omitempty"`
	Input       string   `json:"input,omitempty"`
	InFiles     []string `json:"in_files,omitempty"`
	Output      string   `json:"output"`
	Format      string   `json:"format"`
	Interrupted bool     `json:"interrupted,omitempty"`
	TextTokens  int      `json:"text_tokens,omitempty"`
	Chunks      int      `json:"chunks"`
	ChunkSize   int      `json:"chunk_size"`
	ChunkCount  int      `json:"chunk_count"`
	Entries     int      `json:"entries"`
	Tokens      int      `json:"tokens"`
	Seconds     float64  `json:"seconds"`
	TokensPerS  float64  `json:"tokens_per_s"`
	PPL         *float64 `json:"ppl,omitempty"`
	PPLError    *float64 `json:"ppl_error,omitempty"`
}

// Run computes (and/or merges) an importance matrix and writes it
// atomically to opts.Output with its manifest. When the context is
// cancelled after some chunks, what was collected is saved with its true
// chunk count and the returned error says how to resume; the result is
// then non-nil too.
func Run(ctx context.Context, opts RunOptions) (*RunResult, error) {
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	// refuse an unwritable output before any long work
	probe, err := atomicfile.Create(opts.Output)
	if err != nil {
		return nil, err
	}
	probe.Abort()

	c := NewCollector(CollectorOptions{ChunkSize: opts.CtxSize, ProcessOutput: opts.ProcessOutput})
	for _, in := range opts.InFiles {
		d, err := ReadAnyFile(in, opts.CtxSize)
		if err != nil {
			return nil, err
		}
		if err := c.Add(d); err != nil {
			return nil, fmt.Errorf("add imatrix %s: %w", in, err)
		}
		fmt.Fprintf(log, "loaded imatrix %s: %d entries, %d chunks\n", in, len(d.Entries), d.ChunkCount)
	}
	sum := &RunResult{Model: opts.Model, Input: opts.File, InFiles: opts.InFiles, Output: opts.Output,
		Format: opts.Format.String(), ChunkSize: opts.CtxSize}

	if opts.File == "" {
		if c.Len() == 0 {
			return nil, fmt.Errorf("the --in-file files hold no entries: nothing to write")
		}
		if err := save(&opts, c, 0); err != nil {
			return nil, err
		}
		return sum, finish(&opts, c, sum, nil)
	}

	text, err := os.ReadFile(opts.File)
	if err != nil {
		return nil, fmt.Errorf("read calibration text: %w", err)
	}
	// llama.cpp's -f drops one final newline
	textStr := strings.TrimSuffix(string(text), "\n")

	m, err := llama.LoadModel(opts.Model, llama.ModelParams{})
	if err != nil {
		return nil, err
	}
	defer m.Close()

	co := ComputeOptions{
		NCtx: opts.CtxSize, NBatch: opts.BatchSize, NUBatch: opts.UBatchSize, Threads: opts.Threads,
		Chunks: max(opts.Chunks, 0), FromChunk: opts.FromChunk, ParseSpecial: opts.ParseSpecial,
		NoPPL: opts.NoPPL, FlashAttn: opts.FlashAttn, OutputFrequency: opts.OutFreq, SaveFrequency: opts.SaveFreq,
		Save:     func(at int) error { return save(&opts, c, at) },
		Progress: opts.Progress,
		Log:      opts.Log,
		PPLOut:   opts.PPLOut,
	}
	res, runErr := Compute(ctx, m, c, textStr, co)
	sum.TextTokens, sum.Chunks, sum.Tokens = res.TextTokens, res.Chunks, res.Tokens
	sum.Seconds, sum.TokensPerS = res.Elapsed.Seconds(), res.TokensPerSecond()
	if !math.IsNaN(res.PPL) {
		sum.PPL = &res.PPL
		if !math.IsNaN(res.PPLError) {
			sum.PPLError = &res.PPLError
		}
	}
	if runErr != nil {
		if res.Chunks == 0 || errors.Is(runErr, ErrNothingCollected) {
			return nil, fmt.Errorf("imatrix %s: %w", opts.File, runErr)
		}
		// keep what was collected, with its true chunk count
		sum.Interrupted = true
		if err := save(&opts, c, 0); err != nil {
			return nil, errors.Join(fmt.Errorf("imatrix %s: %w", opts.File, runErr), err)
		}
		if err := finish(&opts, c, sum, res); err != nil {
			return nil, errors.Join(fmt.Errorf("imatrix %s: %w", opts.File, runErr), err)
		}
		return sum, fmt.Errorf("imatrix %s: stopped after %d chunks (%w); %s holds the %d chunks collected; to resume, run the same command with --in-file %s --from-chunk %d and another -o",
			opts.File, res.Chunks, runErr, opts.Output, c.ChunkCount(), opts.Output, opts.FromChunk+res.Chunks)
	}
	if err := save(&opts, c, 0); err != nil {
		return nil, err
	}
	return sum, finish(&opts, c, sum, res)
}

// ReadAnyFile reads an imatrix of either format; a legacy .dat file is
// read with chunkSize, as llama-imatrix does.
func ReadAnyFile(path string, chunkSize int) (*Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read imatrix: %w", err)
	}
	defer f.Close()
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	if string(magic[:n]) == "GGUF" {
		return ReadFile(path)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read imatrix %s: %w", path, err)
	}
	d, err := ReadDat(bufio.NewReader(f), chunkSize)
	if err != nil {
		return nil, fmt.Errorf("read imatrix %s (legacy .dat format): %w", path, err)
	}
	return d, nil
}

// save writes the committed data: to the output (at == 0) or to the
// snapshot <output>.at_<at>.
func save(opts *RunOptions, c *Collector, at int) error {
	path := opts.Output
	if at > 0 {
		path = fmt.Sprintf("%s.at_%d", opts.Output, at)
	}
	if err := WriteFile(path, c.Data(opts.File), opts.Format); err != nil {
		return err
	}
	if opts.AfterSave != nil {
		opts.AfterSave()
	}
	return nil
}

// finish writes the manifest.
func finish(opts *RunOptions, c *Collector, sum *RunResult, res *Result) error {
	sum.ChunkCount, sum.Entries = c.ChunkCount(), c.Len()
	m := manifest.New(opts.Output, opts.Command)
	for _, in := range append([]string{opts.Model, opts.File}, opts.InFiles...) {
		if in == "" {
			continue
		}
		if err := m.AddInput(in); err != nil {
			return err
		}
	}
	m.Parameters["format"] = opts.Format.String()
	m.Parameters["ctx_size"] = opts.CtxSize
	m.Parameters["batch_size"] = opts.BatchSize
	m.Parameters["ubatch_size"] = opts.UBatchSize
	m.Parameters["chunks"] = opts.Chunks
	m.Parameters["from_chunk"] = opts.FromChunk
	m.Parameters["process_output"] = opts.ProcessOutput
	m.Parameters["parse_special"] = opts.ParseSpecial
	m.Parameters["flash_attn"] = opts.FlashAttn.String()
	m.Parameters["llama_cpp_commit"] = llama.Commit
	m.Counts["entries"] = sum.Entries
	m.Counts["chunk_count"] = sum.ChunkCount
	m.Counts["chunk_size"] = opts.CtxSize
	if res != nil {
		m.Counts["model_tokens"] = sum.TextTokens
		m.Counts["chunks_decoded"] = sum.Chunks
		m.Counts["tokens_decoded"] = sum.Tokens
		m.Extra = map[string]any{"seconds": sum.Seconds, "tokens_per_s": sum.TokensPerS, "interrupted": sum.Interrupted}
		if sum.PPL != nil {
			m.Extra["ppl"] = *sum.PPL
		}
		if sum.PPLError != nil {
			m.Extra["ppl_error"] = *sum.PPLError
		}
	}
	return m.Write()
}
