// Package mixcmd implements `calibkit mix`: a calibration mix of a base text
// and corpus sentences at a controlled share.
package mixcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/cli/mixflags"
	"github.com/calibkit/calibkit/mix"
	"github.com/calibkit/calibkit/mix/llamacount"
)

// OpenTokenCounter loads a model's vocabulary for token counts; tests
// replace it, and a build without the llama.cpp binding sets it to nil.
var OpenTokenCounter func(modelPath string) (mix.TokenCounter, io.Closer, error) = llamacount.OpenCounter

// Source is one --add NAME=CORPUS.
type Source = mix.Source

// Options are the parsed flags of `calibkit mix`.
type Options struct {
	IO *iostreams.IOStreams

	Base    string
	Adds    []Source
	Factors map[string]float64 // factor mode
	Shares  map[string]float64 // share mode, with Total
	Total   int64
	Unit    mix.Unit
	Model   string
	Chunk   int
	Seed    uint64
	Exclude []string
	Eval    string // warn when the output overlaps this file
	Output  string
	JSON    bool

	// Command is the command line, recorded in the manifest.
	Command []string
}

// NewCmdMix returns the `mix` command; runF replaces the real run in tests.
func NewCmdMix(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	var (
		adds, factors, shares []string
		total, unit           string
	)
	cmd := &cobra.Command{
		Use:   "mix --base FILE --add NAME=CORPUS... (--factor NAME=F | --share NAME=S --total SIZE) -o OUT",
		Short: "Interleave a base text with corpus sentences at a controlled share",
		Long: `Mix a base calibration text (e.g. calibration_datav3.txt) with sentences
drawn from one or more corpora.

  --factor ja=4            the whole base plus four times its size of ja text
                           (the recipe of calibration_datav3_plus_jpn_v1.txt)
  --share ja=0.8 --total 1.5MB
                           1.5 MB in all, 80% ja; the base gives the rest,
                           from its first line on
  --add ja=ja.jsonl --add zh=zh.jsonl --share ja=0.3,zh=0.2 --total 2MB
                           several languages: 30% ja, 20% zh, 50% base

NAME is a language code (the codes corpus build --lang takes). With several
languages a prefix holds every share within five points once it spans ten
blocks per language; --exclude leaves an eval set's articles out of the
language whose corpus it was drawn from.

Sizes and shares are in --unit: bytes (default), chars, or tokens (needs -m).
The output interleaves the sources in blocks about one imatrix chunk long
(--chunk-tokens, 512; blocks are measured in model tokens with -m, else
estimated at 4 bytes a token), so that any prefix spanning at least ten
blocks, as when imatrix --chunks stops early, holds each share to within five
points. The base keeps its order and its lines are never broken; added text
is whole sentences, one per line.

Chat-formatted corpora (corpus build --chat-template; their manifest says
so) mix like any corpus, under any NAME (--add chat=chat.jsonl): they give
whole conversations, never cut, so their share is met to within half a
conversation and the base fills the rest. A chat-formatted --base is cut
only between conversations too. --unit conversations counts conversations
(every source that gives text must then be chat-formatted). With a chat
source the output's manifest is marked chat-formatted (imatrix then parses
its special tokens), and -m counts special tokens as special tokens.

--exclude MANIFEST leaves out every article an eval set used. --eval FILE
warns when 13-grams of the output and FILE overlap by more than 1%. The
manifest reports the share each source reached in bytes, characters and,
with -m, tokens. Same inputs and --seed give a byte-identical file.`,
		Example: `  calibkit mix --base calibration_datav3.txt --add ja=ja.jsonl --factor ja=4 -o plus_jpn.txt
  calibkit mix --base calibration_datav3.txt --add ja=ja.jsonl --share ja=0.5 --total 1.5MB \
      --exclude ja-wiki.test.raw.manifest.json --eval ja-wiki.test.raw -o mix-50.txt
  # plain text and chat-formatted conversations, half and half
  calibkit mix --base wiki.txt --add chat=chat.jsonl --share chat=0.5 --total 200KB -o wiki-chat.txt`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := parseMixFlags(opts, adds, factors, shares, total, unit); err != nil {
				return err
			}
			opts.Command = os.Args
			if runF != nil {
				return runF(opts)
			}
			return mixRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Base, "base", "", "base text, kept in order with whole lines (required)")
	f.StringArrayVar(&adds, "add", nil, "NAME=CORPUS: a corpus (.jsonl or .txt) to mix in, NAME its language code, any name for a chat-formatted corpus (repeatable)")
	f.StringArrayVar(&factors, "factor", nil, "NAME=F: F times the base's size of NAME (repeatable, or ja=4,zh=1)")
	f.StringArrayVar(&shares, "share", nil, "NAME=S: share S (0..1) of --total for NAME (repeatable, or ja=0.3,zh=0.2)")
	f.StringVar(&total, "total", "", "total size with --share (1290590, 1.5MB, 1.5MiB, 4k)")
	mixflags.AddCommon(cmd, &unit, &opts.Model, &opts.Chunk, &opts.Seed, &opts.Exclude)
	f.StringVar(&opts.Eval, "eval", "", "eval file to check the output's 13-gram overlap against")
	f.StringVarP(&opts.Output, "output", "o", "", "output file (required)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary on stdout")
	return cmd
}

func parseMixFlags(opts *Options, adds, factors, shares []string, total, unit string) error {
	if opts.Base == "" {
		return cmdutil.FlagErrorf("--base FILE is required")
	}
	if opts.Output == "" {
		return cmdutil.FlagErrorf("-o/--output is required")
	}
	if len(adds) == 0 {
		return cmdutil.FlagErrorf("give at least one --add NAME=CORPUS")
	}
	var (
		names map[string]bool
		err   error
	)
	if opts.Adds, names, err = mixflags.ParseSources(adds); err != nil {
		return err
	}
	switch {
	case len(factors) > 0 && len(shares) > 0:
		return cmdutil.FlagErrorf("--factor and --share exclude each other")
	case len(factors) > 0:
		if total != "" {
			return cmdutil.FlagErrorf("--total goes with --share; --factor sizes the mix from the base")
		}
		if opts.Factors, err = mixflags.ParseNamedFloats("factor", "add", factors, names); err != nil {
			return err
		}
	case len(shares) > 0:
		if total == "" {
			return cmdutil.FlagErrorf("--share needs --total SIZE")
		}
		if opts.Shares, err = mixflags.ParseNamedFloats("share", "add", shares, names); err != nil {
			return err
		}
		if err := mixflags.CheckShareSum(opts.Shares); err != nil {
			return err
		}
		if opts.Total, err = mix.ParseSize(total); err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("--total: %w", err)}
		}
	default:
		return cmdutil.FlagErrorf("give --factor NAME=F, or --share NAME=S with --total SIZE")
	}
	for _, s := range opts.Adds {
		_, f := opts.Factors[s.Name]
		_, sh := opts.Shares[s.Name]
		if !f && !sh {
			return cmdutil.FlagErrorf("source %s has no --factor or --share", s.Name)
		}
	}
	if opts.Chunk <= 0 {
		return cmdutil.FlagErrorf("--chunk-tokens must be positive")
	}
	opts.Unit, err = mixflags.ParseUnitModel(unit, opts.Model)
	return err
}

// Summary is what --json prints.
type Summary struct {
	Output         string            `json:"output"`
	Unit           string            `json:"unit"`
	Total          int64             `json:"total"`
	Target         int64             `json:"target"`
	Blocks         int               `json:"blocks"`
	MaxPrefixError float64           `json:"max_prefix_error"`
	PrefixBlocks   int               `json:"prefix_blocks"`
	Sources        []mix.SourceStats `json:"sources"`
	Overlap        *mix.EvalOverlap  `json:"eval_overlap,omitempty"`
}

func mixRun(ctx context.Context, opts *Options) error {
	counter, closeCounter, err := mix.OpenCounter(OpenTokenCounter, opts.Model)
	if err != nil {
		return err
	}
	defer closeCounter()
	r, err := mix.MakeMix(ctx, mix.MakeMixOptions{
		Base: opts.Base, Adds: opts.Adds, Factors: opts.Factors, Shares: opts.Shares, Total: opts.Total,
		Unit: opts.Unit, Counter: counter, Model: opts.Model, Chunk: opts.Chunk, Seed: opts.Seed,
		Exclude: opts.Exclude, Eval: opts.Eval, Output: opts.Output, Command: opts.Command, Warn: opts.IO.ErrOut,
	})
	if err != nil {
		return err
	}
	res := r.Mix
	sum := Summary{Output: opts.Output, Unit: opts.Unit.String(), Total: res.Total, Target: res.Target, Blocks: res.Blocks,
		MaxPrefixError: res.MaxPrefixError, PrefixBlocks: res.PrefixBlocks, Sources: res.Sources, Overlap: r.Overlap}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	if opts.IO.ShowProgress() {
		mix.PrintSources(opts.IO.ErrOut, opts.Output, res)
	}
	return nil
}
