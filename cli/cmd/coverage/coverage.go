// Package coveragecmd implements `calibkit coverage`: what a calibration
// text exercises in a model's vocabulary.
package coveragecmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/coverage"
)

// Options are the parsed arguments of `calibkit coverage`.
type Options struct {
	IO      *iostreams.IOStreams
	Model   string
	Files   []string
	Output  string
	PNG     string
	JSON    bool
	Command []string
	// PieceMiB is --piece-mib: the largest text tokenized in one call.
	PieceMiB int
	// Coverage holds the library options other than the model and files.
	Coverage coverage.Options
}

// NewCmdCoverage returns the `coverage` command; runF replaces the real
// run in tests.
func NewCmdCoverage(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "coverage -m MODEL.gguf FILE... [-k 10] [--png chart.png] [--json]",
		Short: "Report which share of a model's vocabulary calibration texts exercise, per script",
		Long: `Tokenize each FILE with the model's tokenizer (the linked llama.cpp, vocabulary
only, the whole file at once as llama-imatrix does; files over --piece-mib in
pieces cut at line boundaries) and report tokens per byte,
the share of the vocabulary seen at least once and at least K times, the same
per script of the token's text (Latin, kana, Han, Hangul, Cyrillic…, "byte"
for byte tokens and BPE fragments that are not whole characters, "common" for
digits, punctuation and spaces; control tokens are left out), and each
script's most frequent tokens that the text never produces: by score for SPM
vocabularies, by token id (merge order) for BPE. Several files are reported
side by side. See docs/coverage.md.`,
		Example: `  # what the usual English calibration file leaves out of a model, next to a Japanese mix
  calibkit coverage -m model.gguf calibration_datav3.txt mix-ja.txt --png coverage.png
  calibkit coverage -m model.gguf mix-ja.txt -k 20 --json -o coverage.json`,
		Args: cmdutil.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Files = args
			opts.Command = os.Args
			if opts.Model == "" {
				return cmdutil.FlagErrorf("-m/--model is required")
			}
			if opts.Coverage.MinCount < 1 {
				return cmdutil.FlagErrorf("-k/--min-count must be at least 1")
			}
			if opts.Coverage.Top < 0 {
				return cmdutil.FlagErrorf("--top must not be negative")
			}
			if opts.Coverage.Threads < 1 {
				return cmdutil.FlagErrorf("-t/--threads must be at least 1")
			}
			if opts.PieceMiB < 1 || opts.PieceMiB > 1024 {
				return cmdutil.FlagErrorf("--piece-mib must be between 1 and 1024")
			}
			opts.Coverage.PieceBytes = opts.PieceMiB << 20
			opts.Coverage.SpecialFromManifest = !cmd.Flags().Changed("parse-special")
			if opts.Coverage.Top == 0 {
				opts.Coverage.Top = -1 // the library's "none"
			}
			if runF != nil {
				return runF(opts)
			}
			return coverageRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Model, "model", "m", "", "GGUF model whose vocabulary tokenizes the texts (only the vocabulary is loaded)")
	f.IntVarP(&opts.Coverage.MinCount, "min-count", "k", coverage.DefaultMinCount, "K of \"seen at least K times\"")
	f.IntVar(&opts.Coverage.Top, "top", coverage.DefaultTop, "never-seen tokens listed per script (0: none)")
	f.BoolVar(&opts.Coverage.ParseSpecial, "parse-special", false, "tokenize the text of special tokens as those tokens, like llama-imatrix --parse-special (default: on for a file whose manifest says it is chat-formatted)")
	f.IntVar(&opts.PieceMiB, "piece-mib", coverage.DefaultPieceBytes>>20, "tokenize files larger than this many MiB in pieces cut at line boundaries")
	f.IntVarP(&opts.Coverage.Threads, "threads", "t", min(4, runtime.NumCPU()), "pieces of one file tokenized at once (each holds up to about 30 bytes per byte of its piece)")
	f.StringVarP(&opts.Output, "output", "o", "", "also write the JSON result to this file, with its manifest")
	f.StringVar(&opts.PNG, "png", "", "draw the shares per script to this PNG file")
	f.BoolVar(&opts.JSON, "json", false, "print the result as JSON instead of a table")
	return cmd
}

func coverageRun(ctx context.Context, opts *Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	co := opts.Coverage
	co.Model, co.Files = opts.Model, opts.Files
	var p *mpb.Progress
	if opts.IO.ShowProgress() {
		p, co.Progress = progressBar(ctx, opts.IO)
	}
	res, err := coverage.Run(ctx, co)
	if p != nil {
		p.Shutdown()
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: %w", err)
	}
	if err != nil {
		return err
	}
	if opts.Output != "" {
		if err := coverage.SaveJSON(opts.Output, res, opts.Command); err != nil {
			return err
		}
	}
	if opts.PNG != "" {
		if err := coverage.SavePNG(opts.PNG, res, opts.Command); err != nil {
			return err
		}
	}
	if opts.JSON {
		return coverage.WriteJSON(opts.IO.Out, res)
	}
	return coverage.WriteText(opts.IO.Out, res)
}

// progressBar draws one bar per file: bytes tokenized and MB/s.
func progressBar(ctx context.Context, io *iostreams.IOStreams) (*mpb.Progress, func(string, int64, int64)) {
	p := mpb.NewWithContext(ctx, mpb.WithOutput(io.ErrOut), mpb.WithAutoRefresh())
	var bar *mpb.Bar
	var file string
	var last int64
	return p, func(path string, done, total int64) {
		if path != file {
			file, last = path, 0
			bar = p.AddBar(total,
				mpb.PrependDecorators(decor.Name(path+" "), decor.CountersKibiByte("% .1f / % .1f")),
				mpb.AppendDecorators(decor.AverageSpeed(decor.SizeB1000(0), "% .1f")))
		}
		bar.IncrInt64(done - last)
		last = done
		if done >= total {
			bar.SetTotal(total, true)
		}
	}
}
