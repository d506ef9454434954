// Package sweepcmd implements `calibkit sweep`: calibration mixes at several
// shares of an added corpus, all of one total size.
package sweepcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/internal/cmdutil"
	"github.com/calibkit/calibkit/internal/iostreams"
	"github.com/calibkit/calibkit/internal/mixflags"
	"github.com/calibkit/calibkit/mix"
	"github.com/calibkit/calibkit/mix/llamacount"
)

// ManifestName is the sweep manifest's file name inside the output folder.
const ManifestName = mix.SweepManifestName

// Options are the parsed flags of `calibkit sweep`.
type Options struct {
	IO *iostreams.IOStreams

	Base    string
	Add     mix.Source
	Shares  []float64
	Total   int64
	Unit    mix.Unit
	Model   string
	Chunk   int
	Seed    uint64
	Nested  bool
	Exclude []string
	Eval    string
	Dir     string
	JSON    bool

	// Command is the command line, recorded in the manifests.
	Command []string
}

// NewCmdSweep returns the `sweep` command; runF replaces the real run in
// tests.
func NewCmdSweep(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	var add, total, unit string
	cmd := &cobra.Command{
		Use:   "sweep --base FILE --add NAME=CORPUS --shares 0,0.25,0.5,0.75,1 --total SIZE -o DIR",
		Short: "Build one mix per share of an added corpus, all of one total size",
		Long: `Build calibration mixes that differ only in the added corpus's share: for each
share S, DIR/share-S.txt (S as given, in %g form: share-0.25.txt) is what
` + "`calibkit mix --share NAME=S --total SIZE`" + ` would write, with its manifest. All
have the same total size, within 0.5%. DIR/sweep.manifest.json lists them.

With --nested, every mix draws from one sentence sequence, so each larger
share's added text is a superset of each smaller one's (what changes between
two mixes is only the text added). Without it, each share draws its own.

Files are written only when every mix has been built: a failure leaves no
partial sweep behind.`,
		Example: `  calibkit sweep --base calibration_datav3.txt --add ja=ja.jsonl \
      --shares 0,0.25,0.5,0.75,1 --total 1.5MB --nested --seed 1 \
      --exclude ja-wiki.test.raw.manifest.json -o sweep/`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Base == "" {
				return cmdutil.FlagErrorf("--base FILE is required")
			}
			if opts.Dir == "" {
				return cmdutil.FlagErrorf("-o/--output DIR is required")
			}
			if add == "" {
				return cmdutil.FlagErrorf("--add NAME=CORPUS is required")
			}
			var err error
			if opts.Add, err = mixflags.ParseSource(add); err != nil {
				return err
			}
			if !cmd.Flags().Changed("shares") {
				return cmdutil.FlagErrorf("--shares is required, e.g. --shares 0,0.25,0.5,0.75,1")
			}
			if err := mix.CheckShares(opts.Shares); err != nil {
				return &cmdutil.FlagError{Err: fmt.Errorf("--shares: %w", err)}
			}
			if total == "" {
				return cmdutil.FlagErrorf("--total SIZE is required")
			}
			if opts.Total, err = mix.ParseSize(total); err != nil {
				return &cmdutil.FlagError{Err: fmt.Errorf("--total: %w", err)}
			}
			if opts.Chunk <= 0 {
				return cmdutil.FlagErrorf("--chunk-tokens must be positive")
			}
			if opts.Unit, err = mixflags.ParseUnitModel(unit, opts.Model); err != nil {
				return err
			}
			opts.Command = os.Args
			if runF != nil {
				return runF(opts)
			}
			return sweepRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Base, "base", "", "base text, kept in order with whole lines (required)")
	f.StringVar(&add, "add", "", "NAME=CORPUS: the corpus (.jsonl or .txt) whose share varies (required)")
	f.Float64SliceVar(&opts.Shares, "shares", nil, "shares of the added corpus, each 0..1 (required)")
	f.StringVar(&total, "total", "", "total size of every mix (1290590, 1.5MB, 1.5MiB, 4k) (required)")
	mixflags.AddCommon(cmd, &unit, &opts.Model, &opts.Chunk, &opts.Seed, &opts.Exclude)
	f.BoolVar(&opts.Nested, "nested", false, "draw one sentence sequence so larger shares extend smaller ones")
	f.StringVar(&opts.Eval, "eval", "", "eval file to check each mix's 13-gram overlap against")
	f.StringVarP(&opts.Dir, "output", "o", "", "output folder (required)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary on stdout")
	return cmd
}

// Entry is one mix of a sweep, as the sweep manifest lists it.
type Entry = mix.SweepEntry

// OpenTokenCounter loads a model's vocabulary for token counts; tests
// replace it, and a build without the llama.cpp binding sets it to nil.
var OpenTokenCounter func(modelPath string) (mix.TokenCounter, io.Closer, error) = llamacount.OpenCounter

func sweepRun(ctx context.Context, opts *Options) error {
	counter, closeCounter, err := mix.OpenCounter(OpenTokenCounter, opts.Model)
	if err != nil {
		return err
	}
	defer closeCounter()
	so := mix.MakeSweepOptions{
		Base: opts.Base, Add: opts.Add, Shares: opts.Shares, Total: opts.Total, Unit: opts.Unit,
		Counter: counter, Model: opts.Model, Chunk: opts.Chunk, Seed: opts.Seed, Nested: opts.Nested,
		Exclude: opts.Exclude, Eval: opts.Eval, Dir: opts.Dir, Command: opts.Command, Warn: opts.IO.ErrOut,
	}
	if opts.IO.ShowProgress() {
		so.Progress = opts.IO.ErrOut
	}
	entries, err := mix.MakeSweep(ctx, so)
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	return nil
}
