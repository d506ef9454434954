// Package overlapcmd implements `calibkit overlap`: the share of one text's
// word 13-grams that also occur in another.
package overlapcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/mix"
	"github.com/calibkit/calibkit/tokenize"
)

// Options are the parsed arguments of `calibkit overlap`.
type Options struct {
	IO   *iostreams.IOStreams
	A, B string
	N    int
	JSON bool
}

// NewCmdOverlap returns the `overlap` command; runF replaces the real run in
// tests.
func NewCmdOverlap(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "overlap A B [--n 13]",
		Short: "Report the share of A's word 13-grams that also occur in B",
		Long: `Report how much of text A also occurs in text B, as the share of A's word
n-grams (13 by default, the usual contamination test) found in B. Words are
kagome morphemes (IPA dictionary) on lines that are at least a fifth kana or
kanji, and white-space separated words on other lines; words run on across
lines, so the same prose laid out differently still matches.

The share counts every n-gram position of A; the distinct share counts each
different n-gram once. B is held as a sorted set of 64-bit n-gram hashes
(8 bytes per distinct n-gram); A is streamed.`,
		Example: `  # how much of the eval set the calibration mix has seen
  calibkit overlap ja-wiki.test.raw mix.txt
  calibkit overlap mix.txt ja-wiki.test.raw --json`,
		Args: cmdutil.Args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.A, opts.B = args[0], args[1]
			if opts.N < 1 {
				return cmdutil.FlagErrorf("--n must be at least 1")
			}
			if runF != nil {
				return runF(opts)
			}
			return overlapRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().IntVar(&opts.N, "n", 13, "n-gram length in words")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	return cmd
}

// Result is what --json prints.
type Result struct {
	A string `json:"a"`
	B string `json:"b"`
	*mix.OverlapResult
}

func overlapRun(ctx context.Context, opts *Options) error {
	seg, err := tokenize.NewTokenizer(tokenize.WakatiOnly())
	if err != nil {
		return err
	}
	a, err := os.Open(opts.A)
	if err != nil {
		return err
	}
	defer a.Close()
	b, err := os.Open(opts.B)
	if err != nil {
		return err
	}
	defer b.Close()
	o := mix.NGramOptions{N: opts.N, Segmenter: seg}
	set, err := mix.BuildNGramSet(ctx, b, o)
	if err != nil {
		return fmt.Errorf("%s: %w", opts.B, err)
	}
	res, err := mix.OverlapWith(ctx, a, set, o)
	if err != nil {
		return fmt.Errorf("%s: %w", opts.A, err)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(Result{A: opts.A, B: opts.B, OverlapResult: res})
	}
	fmt.Fprintf(opts.IO.Out, "%s: %.2f%% of its %d-grams occur in %s (%d of %d; distinct: %.2f%%, %d of %d)\n",
		opts.A, 100*res.Share, res.N, opts.B, res.Shared, res.NGrams, 100*res.DistinctShare, res.DistinctShared, res.Distinct)
	return nil
}
