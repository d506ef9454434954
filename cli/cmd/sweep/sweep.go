// Package sweepcmd implements `calibkit sweep`: calibration mixes at several
// shares of an added corpus, all of one total size.
package sweepcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/cli/mixflags"
	"github.com/calibkit/calibkit/mix"
	"github.com/calibkit/calibkit/mix/llamacount"
)

// ManifestName is the sweep manifest's file name inside the output folder.
const ManifestName = mix.SweepManifestName

// Options are the parsed flags of `calibkit sweep`.
type Options struct {
	IO *iostreams.IOStreams

	Base string
	// Add is the corpus whose share varies over Shares; Fixed are the
	// others, at FixedShares.
	Add         mix.Source
	Shares      []float64
	Fixed       []mix.Source
	FixedShares map[string]float64
	Total       int64
	Unit        mix.Unit
	Model       string
	Chunk       int
	Seed        uint64
	Nested      bool
	Exclude     []string
	Eval        string
	Dir         string
	JSON        bool

	// Command is the command line, recorded in the manifests.
	Command []string
}

// NewCmdSweep returns the `sweep` command; runF replaces the real run in
// tests.
func NewCmdSweep(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	var (
		adds, shares      []string
		vary, total, unit string
	)
	cmd := &cobra.Command{
		Use:   "sweep --base FILE --add NAME=CORPUS... (--shares S,... | --vary NAME=S,... --share NAME=S...) --total SIZE -o DIR",
		Short: "Build one mix per share of an added corpus, all of one total size",
		Long: `Build calibration mixes that differ only in the added corpus's share: for each
share S, DIR/share-S.txt (S as given, in %g form: share-0.25.txt) is what
` + "`calibkit mix --share NAME=S --total SIZE`" + ` would write, with its manifest. All
have the same total size, within 0.5%. DIR/sweep.manifest.json lists them.

With --nested, every mix draws from one sentence sequence, so each larger
share's added text is a superset of each smaller one's (what changes between
two mixes is only the text added). Without it, each share draws its own.

Several languages: --add each corpus, --vary NAME=S,... the one whose share
varies and --share NAME=S each of the others, held at that share in every
mix (the base gives the rest). --shares S,... is --vary for a single --add.

A chat-formatted corpus (corpus build --chat-template) is added as whole
conversations under any NAME (--add chat=chat.jsonl), nested the same way;
the mixes that hold it are marked chat-formatted in their manifests.

Files are written only when every mix has been built: a failure leaves no
partial sweep behind.`,
		Example: `  calibkit sweep --base calibration_datav3.txt --add ja=ja.jsonl \
      --shares 0,0.25,0.5,0.75,1 --total 1.5MB --nested --seed 1 \
      --exclude ja-wiki.test.raw.manifest.json -o sweep/
  calibkit sweep --base calibration_datav3.txt --add ja=ja.jsonl --add zh=zh.jsonl \
      --vary ja=0,0.2,0.4 --share zh=0.2 --total 2MB --nested -o sweep-ja-zh/`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Base == "" {
				return cmdutil.FlagErrorf("--base FILE is required")
			}
			if opts.Dir == "" {
				return cmdutil.FlagErrorf("-o/--output DIR is required")
			}
			if len(adds) == 0 {
				return cmdutil.FlagErrorf("--add NAME=CORPUS is required")
			}
			if err := parseSweepShares(opts, adds, vary, shares, cmd.Flags().Changed("shares")); err != nil {
				return err
			}
			var err error
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
	f.StringArrayVar(&adds, "add", nil, "NAME=CORPUS: a corpus (.jsonl or .txt) to mix in, NAME its language code (repeatable; required)")
	f.Float64SliceVar(&opts.Shares, "shares", nil, "shares of the single added corpus, each 0..1")
	f.StringVar(&vary, "vary", "", "NAME=S,S,...: the added corpus whose share varies, and its shares")
	f.StringArrayVar(&shares, "share", nil, "NAME=S: fixed share of another added corpus in every mix (repeatable, or ja=0.3,zh=0.2)")
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
		Base: opts.Base, Add: opts.Add, Shares: opts.Shares, Fixed: opts.Fixed, FixedShares: opts.FixedShares, Total: opts.Total, Unit: opts.Unit,
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

// parseSweepShares sets the varied source, its shares and the fixed
// sources from --add, --vary or --shares, and --share.
func parseSweepShares(opts *Options, adds []string, vary string, fixed []string, sharesSet bool) error {
	srcs, names, err := mixflags.ParseSources(adds)
	if err != nil {
		return err
	}
	varied := ""
	switch {
	case vary != "" && sharesSet:
		return cmdutil.FlagErrorf("--vary and --shares exclude each other: --shares is --vary for a single --add")
	case vary != "":
		name, list, ok := strings.Cut(vary, "=")
		if !ok || list == "" {
			return cmdutil.FlagErrorf("--vary %q: want NAME=S,S,..., e.g. ja=0,0.2,0.4", vary)
		}
		if !names[name] {
			return cmdutil.FlagErrorf("--vary %q: no --add %s=CORPUS names that source", vary, name)
		}
		varied, opts.Shares = name, nil
		for v := range strings.SplitSeq(list, ",") {
			x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return cmdutil.FlagErrorf("--vary %q: %q is not a number", vary, v)
			}
			opts.Shares = append(opts.Shares, x)
		}
	case sharesSet:
		if len(srcs) > 1 {
			return cmdutil.FlagErrorf("--shares varies the only --add; with %d, name the one that varies: --vary NAME=S,... and give the others --share NAME=S", len(srcs))
		}
		varied = srcs[0].Name
	default:
		return cmdutil.FlagErrorf("--shares is required, e.g. --shares 0,0.25,0.5,0.75,1 (or --vary NAME=S,... with several --add)")
	}
	if err := mix.CheckShares(opts.Shares); err != nil {
		return &cmdutil.FlagError{Err: fmt.Errorf("shares of %s: %w", varied, err)}
	}
	if opts.FixedShares, err = mixflags.ParseNamedFloats("share", "add", fixed, names); err != nil {
		return err
	}
	if _, ok := opts.FixedShares[varied]; ok {
		return cmdutil.FlagErrorf("--share %s: %s is the source that varies; its shares are in --vary", varied, varied)
	}
	if err := mixflags.CheckShareSum(opts.FixedShares); err != nil {
		return err
	}
	fixedSum := 0.0
	for _, s := range opts.FixedShares {
		fixedSum += s
	}
	if top := slices.Max(opts.Shares); top+fixedSum > 1+1e-9 {
		return cmdutil.FlagErrorf("the largest share of %s, %g, and the fixed shares (%g) sum to %g, above 1", varied, top, fixedSum, top+fixedSum)
	}
	opts.Fixed = nil
	for _, s := range srcs {
		switch _, ok := opts.FixedShares[s.Name]; {
		case s.Name == varied:
			opts.Add = s
		case ok:
			opts.Fixed = append(opts.Fixed, s)
		default:
			return cmdutil.FlagErrorf("source %s has no --share: give it --share %s=S, or --vary it", s.Name, s.Name)
		}
	}
	if len(opts.Fixed) == 0 {
		opts.FixedShares = nil
	}
	return nil
}
