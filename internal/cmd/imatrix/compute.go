package imatrixcmd

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/manifest"
)

// summary is what --json prints.
type summary struct {
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

func computeRun(ctx context.Context, opts *Options) error {
	llama.SetVerbose(opts.IO.Verbose)
	errOut := opts.IO.ErrOut
	chatter := errOut
	if opts.IO.Quiet {
		chatter = io.Discard
	}
	if !opts.FormatSet && opts.Format == imatrix.FormatGGUF && imatrix.FormatForPath(opts.Output) != imatrix.FormatGGUF {
		fmt.Fprintf(chatter, "calibkit: warning: writing GGUF to %s, whose name does not end in .gguf; use --output-format dat for the legacy format\n", opts.Output)
	}
	// refuse an unwritable output before any long work
	probe, err := atomicfile.Create(opts.Output)
	if err != nil {
		return err
	}
	probe.Abort()

	c := imatrix.NewCollector(imatrix.CollectorOptions{ChunkSize: opts.CtxSize, ProcessOutput: opts.ProcessOut})
	for _, in := range opts.InFiles {
		d, err := readInFile(in, opts.CtxSize)
		if err != nil {
			return err
		}
		if err := c.Add(d); err != nil {
			return fmt.Errorf("add imatrix %s: %w", in, err)
		}
		fmt.Fprintf(chatter, "loaded imatrix %s: %d entries, %d chunks\n", in, len(d.Entries), d.ChunkCount)
	}
	sum := summary{Model: opts.Model, Input: opts.File, InFiles: opts.InFiles, Output: opts.Output,
		Format: opts.Format.String(), ChunkSize: opts.CtxSize}

	if opts.File == "" {
		if c.Len() == 0 {
			return fmt.Errorf("the --in-file files hold no entries: nothing to write")
		}
		if err := save(opts, c, 0); err != nil {
			return err
		}
		return finish(opts, c, &sum, nil)
	}

	text, err := os.ReadFile(opts.File)
	if err != nil {
		return fmt.Errorf("read calibration text: %w", err)
	}
	// llama.cpp's -f drops one final newline
	textStr := strings.TrimSuffix(string(text), "\n")

	m, err := llama.LoadModel(opts.Model, llama.ModelParams{})
	if err != nil {
		return err
	}
	defer m.Close()
	if opts.IO.Verbose {
		fmt.Fprintf(errOut, "system_info: %s\n", llama.SystemInfo())
	}

	var pplBuf bytes.Buffer
	bar := newBar(ctx, opts)
	co := imatrix.ComputeOptions{
		NCtx: opts.CtxSize, NBatch: opts.BatchSize, NUBatch: opts.UBatchSize, Threads: opts.Threads,
		Chunks: max(opts.Chunks, 0), FromChunk: opts.FromChunk, ParseSpecial: opts.ParseSpecial,
		NoPPL: opts.NoPPL, FlashAttn: opts.FlashAttn, OutputFrequency: opts.OutFreq, SaveFrequency: opts.SaveFreq,
		Save:     func(at int) error { return save(opts, c, at) },
		Progress: bar.update,
		Log:      chatter,
		PPLOut:   chatter,
	}
	if bar.p != nil {
		co.PPLOut = &pplBuf // shown after the bar, which owns the terminal meanwhile
		co.Log = bar.p
	}
	res, runErr := imatrix.Compute(ctx, m, c, textStr, co)
	bar.finish(runErr == nil)
	if pplBuf.Len() > 0 {
		errOut.Write(pplBuf.Bytes())
	}
	sum.TextTokens, sum.Chunks, sum.Tokens = res.TextTokens, res.Chunks, res.Tokens
	sum.Seconds, sum.TokensPerS = res.Elapsed.Seconds(), res.TokensPerSecond()
	if !math.IsNaN(res.PPL) {
		sum.PPL = &res.PPL
		if !math.IsNaN(res.PPLError) {
			sum.PPLError = &res.PPLError
		}
	}
	if runErr != nil {
		if res.Chunks == 0 || errors.Is(runErr, imatrix.ErrNothingCollected) {
			return fmt.Errorf("imatrix %s: %w", opts.File, runErr)
		}
		// keep what was collected, with its true chunk count
		sum.Interrupted = true
		if err := save(opts, c, 0); err != nil {
			return errors.Join(fmt.Errorf("imatrix %s: %w", opts.File, runErr), err)
		}
		if err := finish(opts, c, &sum, res); err != nil {
			return errors.Join(fmt.Errorf("imatrix %s: %w", opts.File, runErr), err)
		}
		return fmt.Errorf("imatrix %s: stopped after %d chunks (%w); %s holds the %d chunks collected; to resume, run the same command with --in-file %s --from-chunk %d and another -o",
			opts.File, res.Chunks, runErr, opts.Output, c.ChunkCount(), opts.Output, opts.FromChunk+res.Chunks)
	}
	if err := save(opts, c, 0); err != nil {
		return err
	}
	fmt.Fprintf(chatter, "saved %s: %d entries, %d chunks of %d tokens, %.1f tokens/s\n",
		opts.Output, c.Len(), c.ChunkCount(), opts.CtxSize, res.TokensPerSecond())
	return finish(opts, c, &sum, res)
}

// readInFile reads an earlier imatrix of either format; a legacy .dat file
// is read with the current chunk size, as llama-imatrix does.
func readInFile(path string, chunkSize int) (*imatrix.Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read imatrix: %w", err)
	}
	defer f.Close()
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	if string(magic[:n]) == "GGUF" {
		return imatrix.ReadFile(path)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read imatrix %s: %w", path, err)
	}
	d, err := imatrix.ReadDat(bufio.NewReader(f), chunkSize)
	if err != nil {
		return nil, fmt.Errorf("read imatrix %s (legacy .dat format): %w", path, err)
	}
	return d, nil
}

// save writes the committed data: to the output (at == 0) or to the
// snapshot <output>.at_<at>.
func save(opts *Options, c *imatrix.Collector, at int) error {
	path := opts.Output
	if at > 0 {
		path = fmt.Sprintf("%s.at_%d", opts.Output, at)
	}
	if err := imatrix.WriteFile(path, c.Data(opts.File), opts.Format); err != nil {
		return err
	}
	saveHook()
	return nil
}

// saveHook lets tests act right after a save.
var saveHook = func() {}

// finish writes the manifest and the --json summary.
func finish(opts *Options, c *imatrix.Collector, sum *summary, res *imatrix.Result) error {
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
	m.Parameters["process_output"] = opts.ProcessOut
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
	if err := m.Write(); err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	return nil
}

// bar is the progress bar on a terminal: tokens, tokens/s, running PPL, ETA.
type bar struct {
	p   *mpb.Progress
	b   *mpb.Bar
	ppl float64
	t0  time.Time
}

func newBar(ctx context.Context, opts *Options) *bar {
	if !opts.IO.ShowProgress() {
		return &bar{}
	}
	return &bar{p: mpb.NewWithContext(ctx, mpb.WithOutput(opts.IO.ErrOut), mpb.WithWidth(40)), ppl: math.NaN()}
}

func (b *bar) update(p imatrix.Progress) {
	if b.p == nil {
		return
	}
	if b.b == nil {
		b.t0 = time.Now()
		b.b = b.p.AddBar(int64(p.TotalChunks*p.ChunkSize),
			mpb.PrependDecorators(decor.Name("imatrix "), decor.CountersNoUnit("%d/%d tokens")),
			mpb.AppendDecorators(
				decor.Any(func(s decor.Statistics) string {
					if el := time.Since(b.t0).Seconds(); el > 0 {
						return fmt.Sprintf(" %.1f tok/s", float64(s.Current)/el)
					}
					return ""
				}),
				decor.Any(func(decor.Statistics) string {
					if math.IsNaN(b.ppl) {
						return ""
					}
					return fmt.Sprintf(" PPL %.4f", b.ppl)
				}),
				decor.Name(" "),
				decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO), "done"),
			))
	}
	b.ppl = p.PPL
	b.b.SetCurrent(int64(p.Tokens))
}

func (b *bar) finish(ok bool) {
	if b.p == nil {
		return
	}
	if b.b != nil {
		if ok {
			b.b.SetTotal(-1, true)
		} else {
			b.b.Abort(false)
		}
	}
	b.p.Wait()
}

// RunCompute runs `calibkit imatrix` with opts already parsed, for other
// commands that compute importance matrices as a step (the demo).
func RunCompute(ctx context.Context, opts *Options) error { return computeRun(ctx, opts) }
