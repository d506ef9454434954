package imatrixcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/calibkit/calibkit/cli/progress"
	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/manifest"
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
	if opts.File != "" && !opts.ParseSpecialSet {
		special, err := manifest.SpecialTokensOf(opts.File)
		if err != nil {
			return err
		}
		if special {
			opts.ParseSpecial = true
			fmt.Fprintf(chatter, "calibkit: %s is chat-formatted (its manifest says so): tokenizing its special tokens as special tokens (--parse-special=false to turn off)\n", opts.File)
		}
	}
	var pplBuf bytes.Buffer
	bar := progress.New(ctx, opts.IO)
	ro := imatrix.RunOptions{
		Model: opts.Model, File: opts.File, Output: opts.Output, Format: opts.Format,
		CtxSize: opts.CtxSize, BatchSize: opts.BatchSize, UBatchSize: opts.UBatchSize, Threads: opts.Threads,
		Chunks: opts.Chunks, FromChunk: opts.FromChunk, ProcessOutput: opts.ProcessOut, ParseSpecial: opts.ParseSpecial,
		NoPPL: opts.NoPPL, FlashAttn: opts.FlashAttn, OutFreq: opts.OutFreq, SaveFreq: opts.SaveFreq, InFiles: opts.InFiles, Command: opts.Command,
		Log: chatter, PPLOut: chatter, Progress: func(p imatrix.Progress) { bar.Tokens("imatrix", p.Tokens, p.TotalChunks*p.ChunkSize, p.PPL) }, AfterSave: func() { saveHook() },
	}
	if bar.Active() {
		ro.PPLOut = &pplBuf // shown after the bar, which owns the terminal meanwhile
		ro.Log = bar.Writer()
	}
	sum, err := imatrix.Run(ctx, ro)
	bar.Finish(err == nil)
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
