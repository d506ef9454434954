package imatrixcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/llama"
)

// summary is what --json prints.
type summary = imatrix.RunResult

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
	if opts.IO.Verbose && opts.File != "" {
		fmt.Fprintf(errOut, "system_info: %s\n", llama.SystemInfo())
	}
	var pplBuf bytes.Buffer
	bar := newBar(ctx, opts)
	ro := imatrix.RunOptions{
		Model: opts.Model, File: opts.File, Output: opts.Output, Format: opts.Format,
		CtxSize: opts.CtxSize, BatchSize: opts.BatchSize, UBatchSize: opts.UBatchSize, Threads: opts.Threads,
		Chunks: opts.Chunks, FromChunk: opts.FromChunk, ProcessOutput: opts.ProcessOut, ParseSpecial: opts.ParseSpecial,
		NoPPL: opts.NoPPL, FlashAttn: opts.FlashAttn, OutFreq: opts.OutFreq, SaveFreq: opts.SaveFreq, InFiles: opts.InFiles, Command: opts.Command,
		Log: chatter, PPLOut: chatter, Progress: bar.update, AfterSave: func() { saveHook() },
	}
	if bar.p != nil {
		ro.PPLOut = &pplBuf // shown after the bar, which owns the terminal meanwhile
		ro.Log = bar.p
	}
	sum, err := imatrix.Run(ctx, ro)
	bar.finish(err == nil)
	if pplBuf.Len() > 0 {
		errOut.Write(pplBuf.Bytes())
	}
	if err != nil {
		if sum != nil && opts.JSON { // stopped early: the partial output is saved
			enc := json.NewEncoder(opts.IO.Out)
			enc.SetIndent("", "  ")
			return errors.Join(err, enc.Encode(sum))
		}
		return err
	}
	if opts.File != "" {
		fmt.Fprintf(chatter, "saved %s: %d entries, %d chunks of %d tokens, %.1f tokens/s\n",
			opts.Output, sum.Entries, sum.ChunkCount, opts.CtxSize, sum.TokensPerS)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	return nil
}

// readInFile reads an earlier imatrix of either format.
func readInFile(path string, chunkSize int) (*imatrix.Data, error) {
	return imatrix.ReadAnyFile(path, chunkSize)
}

// saveHook lets tests act right after a save.
var saveHook = func() {}

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
