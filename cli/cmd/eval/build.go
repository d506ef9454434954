package evalcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
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

// BuildOptions are the parsed flags of `calibkit eval build`.
type BuildOptions struct {
	IO *iostreams.IOStreams

	From string // corpus (.jsonl or .txt)
	// Sources and Shares, instead of From: several languages.
	Sources []mix.Source
	Shares  map[string]float64
	Like    string // match this file's size
	Target  int64  // with --bytes, --chars or --tokens
	Unit    mix.Unit
	Model   string
	Output  string
	Format  mix.Format
	Seed    uint64
	// Exclude lists eval-set manifests whose articles must not be used.
	Exclude []string
	JSON    bool

	// Command is the command line, recorded in the manifest.
	Command []string
}

// NewCmdBuild returns the `eval build` command; runF replaces the real run
// in tests.
func NewCmdBuild(io *iostreams.IOStreams, runF func(*BuildOptions) error) *cobra.Command {
	opts := &BuildOptions{IO: io}
	var (
		bytesFlag, charsFlag, tokensFlag string
		convsFlag                        string
		unitFlag, formatFlag             string
		froms, shares                    []string
	)
	cmd := &cobra.Command{
		Use:   "build (--from CORPUS | --from NAME=CORPUS... --share NAME=S...) (--like FILE | --bytes N | --chars N | --tokens N -m MODEL) -o OUT",
		Short: "Cut an evaluation set of an exact size from a corpus",
		Long: `Draw whole articles from a corpus in a seeded order, then single sentences,
until the output has exactly the size asked for and holds only complete
sentences. The size is that of --like FILE (in --unit, bytes by default), or
--bytes N, --chars N or --tokens N (the model's tokens for the whole file,
BOS included, as llama-perplexity counts them; needs -m).

When the gap left by whole articles is smaller than the articles that
follow, it is filled exactly with sentences of unused articles, each written
under its own article's heading. When no exact fill exists the output stops
as close below the target as it can, and the manifest records the deviation.

--format wikitext (default) writes wiki.test.raw's layout: " = Title = "
headings with " " blank lines around them, one line per paragraph with a
leading space and a trailing space. --format plain writes one paragraph per
line and a blank line after each article.

The manifest (OUT.manifest.json) lists the articles used and gives bytes,
characters, lines, sentences and, with -m, tokens and 512-token perplexity
chunks for OUT and for the --like file side by side.

Several languages: --from ja=ja.jsonl --from zh=zh.jsonl --share ja=0.5,zh=0.5
(NAME a language code, the shares summing to 1; bytes or chars). Each
language's part is cut exactly to its share as above, and the parts'
articles are interleaved so that any prefix holds the shares as closely as
whole articles allow. The manifest lists each language's articles and counts.

Chat-formatted corpora (corpus build --chat-template; their manifest says
so) give whole conversations only, each written as the template rendered
it followed by a blank line, whatever --format says; every size is met by
whole conversations (an exact fill over their sizes), --conversations N
counts them, -m counts their special tokens as special tokens, and the
output's manifest carries the mark, so imatrix parses them as such.

Sizes take suffixes: 1290590, 4k (10^3), 1.5MB (10^6), 1.5MiB (2^20).`,
		Example: `  # a Japanese wiki.test.raw: the same number of bytes as the English one
  calibkit eval build --from ja.jsonl --like wiki.test.raw -o ja-wiki.test.raw
  # the same number of model tokens, and so of perplexity chunks
  calibkit eval build --from ja.jsonl --like wiki.test.raw --unit tokens -m model.gguf -o ja-tok.raw
  calibkit eval build --from ja.jsonl --bytes 1.5MB --format plain --seed 7 -o ja-eval.txt
  # half Japanese, half Chinese, of wiki.test.raw's size
  calibkit eval build --from ja=ja.jsonl --from zh=zh.jsonl --share ja=0.5,zh=0.5 --like wiki.test.raw -o ja-zh.raw
  # 500 whole conversations of a chat-formatted corpus
  calibkit eval build --from chat.jsonl --conversations 500 -o chat-eval.txt`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := parseFrom(opts, froms, shares); err != nil {
				return err
			}
			if opts.Output == "" {
				return cmdutil.FlagErrorf("-o/--output is required")
			}
			set := 0
			for _, s := range []string{opts.Like, bytesFlag, charsFlag, tokensFlag, convsFlag} {
				if s != "" {
					set++
				}
			}
			if set != 1 {
				return cmdutil.FlagErrorf("give exactly one of --like, --bytes, --chars, --tokens and --conversations")
			}
			var err error
			switch {
			case opts.Like != "":
				if opts.Unit, err = mix.ParseUnit(unitFlag); err != nil {
					return &cmdutil.FlagError{Err: fmt.Errorf("--unit: %w", err)}
				}
			case bytesFlag != "":
				opts.Unit = mix.Bytes
				opts.Target, err = mix.ParseSize(bytesFlag)
			case charsFlag != "":
				opts.Unit = mix.Chars
				opts.Target, err = mix.ParseSize(charsFlag)
			case convsFlag != "":
				opts.Unit = mix.Conversations
				opts.Target, err = mix.ParseSize(convsFlag)
			default:
				opts.Unit = mix.Tokens
				opts.Target, err = mix.ParseSize(tokensFlag)
			}
			if err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if opts.Like == "" && cmd.Flags().Changed("unit") {
				return cmdutil.FlagErrorf("--unit goes with --like; --bytes, --chars, --tokens and --conversations carry their unit")
			}
			if opts.Unit == mix.Tokens && len(opts.Sources) > 0 {
				return cmdutil.FlagErrorf("an eval set of several languages is sized in bytes or chars: a whole file's token count is not the sum of its languages' counts")
			}
			if opts.Unit == mix.Tokens && opts.Model == "" {
				return cmdutil.FlagErrorf("token sizes need the model: add -m MODEL.gguf")
			}
			if opts.Format, err = mix.ParseFormat(formatFlag); err != nil {
				return &cmdutil.FlagError{Err: fmt.Errorf("--format: %w", err)}
			}
			opts.Command = os.Args
			if runF != nil {
				return runF(opts)
			}
			return buildRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&froms, "from", nil, "corpus to draw from: .jsonl or .txt from `calibkit corpus build` (required); several: NAME=CORPUS each, NAME a language code")
	f.StringArrayVar(&shares, "share", nil, "NAME=S: a language's share of the size, with several --from (repeatable, or ja=0.5,zh=0.5)")
	f.StringVar(&opts.Like, "like", "", "match the size of this file (e.g. wiki.test.raw)")
	f.StringVar(&unitFlag, "unit", "bytes", "unit --like matches in: bytes, chars, tokens (need -m) or conversations (a chat-formatted --like)")
	f.StringVar(&bytesFlag, "bytes", "", "exact size in bytes (1290590, 1.5MB, 1.5MiB)")
	f.StringVar(&charsFlag, "chars", "", "exact size in characters")
	f.StringVar(&tokensFlag, "tokens", "", "size in the model's tokens (needs -m)")
	f.StringVar(&convsFlag, "conversations", "", "size in whole conversations (a chat-formatted corpus only)")
	f.StringVarP(&opts.Model, "model", "m", "", "GGUF model whose tokenizer counts tokens (vocabulary only is loaded)")
	f.StringVarP(&opts.Output, "output", "o", "", "output file (required)")
	f.StringVar(&formatFlag, "format", "wikitext", "layout: wikitext or plain (a chat-formatted corpus keeps its conversations as corpus build wrote them)")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the article draw")
	f.StringArrayVar(&opts.Exclude, "exclude", nil, "manifest of an eval set whose articles to leave out (repeatable)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary on stdout")
	return cmd
}

// Summary is what --json prints.
type Summary struct {
	Output    string          `json:"output"`
	Unit      string          `json:"unit"`
	Target    int64           `json:"target"`
	Achieved  int64           `json:"achieved"`
	Deviation int64           `json:"deviation"`
	Articles  int             `json:"articles"`
	Partial   int             `json:"partial_articles"`
	Counts    mix.TextCounts  `json:"counts"`
	Like      *mix.TextCounts `json:"like,omitempty"`
	// Languages reports each language of a set drawn from several.
	Languages []mix.EvalPart `json:"languages,omitempty"`
}

func buildRun(ctx context.Context, opts *BuildOptions) error {
	counter, closeCounter, err := mix.OpenCounter(OpenTokenCounter, opts.Model)
	if err != nil {
		return err
	}
	defer closeCounter()
	r, err := mix.MakeEval(ctx, mix.MakeEvalOptions{
		From: opts.From, Sources: opts.Sources, Shares: opts.Shares, Like: opts.Like, Target: opts.Target, Unit: opts.Unit, Counter: counter, Model: opts.Model,
		Output: opts.Output, Format: opts.Format, Seed: opts.Seed, Exclude: opts.Exclude, Command: opts.Command,
	})
	if err != nil {
		return err
	}
	opts.Target = r.Target
	res, counts, like := r.Eval, r.Counts, r.Like
	sum := Summary{Output: opts.Output, Unit: opts.Unit.String(), Target: opts.Target, Achieved: res.Achieved,
		Deviation: res.Deviation, Articles: len(res.Articles), Partial: len(res.Partial), Counts: counts, Like: like, Languages: r.Parts}
	if res.Deviation != 0 {
		fmt.Fprintf(opts.IO.ErrOut, "calibkit: warning: no exact fill exists: %s is %d %s short of %d (recorded in the manifest)\n",
			opts.Output, res.Deviation, opts.Unit, opts.Target)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	if opts.IO.ShowProgress() {
		if res.Conversations > 0 && res.Sentences == 0 {
			fmt.Fprintf(opts.IO.ErrOut, "%s: %d bytes, %d chars, %d whole conversations (target %d %s, deviation %d)\n",
				opts.Output, counts.Bytes, counts.Chars, res.Conversations, opts.Target, opts.Unit, res.Deviation)
		} else {
			fmt.Fprintf(opts.IO.ErrOut, "%s: %d bytes, %d chars, %d sentences from %d whole and %d partial articles (target %d %s, deviation %d)\n",
				opts.Output, counts.Bytes, counts.Chars, counts.Sentences, len(res.Articles), len(res.Partial), opts.Target, opts.Unit, res.Deviation)
		}
		if like != nil {
			fmt.Fprintf(opts.IO.ErrOut, "%s: %d bytes, %d chars, %d sentences\n", opts.Like, like.Bytes, like.Chars, like.Sentences)
		}
		for _, p := range r.Parts {
			fmt.Fprintf(opts.IO.ErrOut, "  %-4s target %d %s, achieved %d (%.1f%%), %d bytes, %d chars, %d sentences\n",
				p.Name, p.Target, opts.Unit, p.Achieved, 100*p.Share, p.Counts.Bytes, p.Counts.Chars, p.Sentences)
		}
		if counter != nil {
			fmt.Fprintf(opts.IO.ErrOut, "tokens: %s %d (%d chunks of 512)", opts.Output, counts.Tokens, counts.Chunks)
			if like != nil {
				fmt.Fprintf(opts.IO.ErrOut, ", %s %d (%d chunks of 512)", opts.Like, like.Tokens, like.Chunks)
			}
			fmt.Fprintln(opts.IO.ErrOut)
		}
	}
	return nil
}

// parseFrom reads --from: one corpus path, or several NAME=CORPUS with
// --share for each.
func parseFrom(opts *BuildOptions, froms, shares []string) error {
	switch {
	case len(froms) == 0:
		return cmdutil.FlagErrorf("--from CORPUS is required")
	case len(froms) == 1:
		if len(shares) > 0 {
			return cmdutil.FlagErrorf("--share goes with several --from NAME=CORPUS; one --from takes the whole size")
		}
		opts.From = froms[0]
		return nil
	}
	srcs, names, err := mixflags.ParseSources(froms)
	if err != nil {
		return err
	}
	if len(shares) == 0 {
		return cmdutil.FlagErrorf("several --from need --share NAME=S for each, e.g. --share ja=0.5,zh=0.5")
	}
	if opts.Shares, err = mixflags.ParseNamedFloats("share", "from", shares, names); err != nil {
		return err
	}
	sum := 0.0
	for _, s := range srcs {
		sh, ok := opts.Shares[s.Name]
		if !ok || sh <= 0 {
			return cmdutil.FlagErrorf("language %s needs a --share above 0", s.Name)
		}
		sum += sh
	}
	if math.Abs(sum-1) > 1e-9 {
		return cmdutil.FlagErrorf("the --share values sum to %g: an eval set's shares must sum to 1", sum)
	}
	opts.Sources = srcs
	return nil
}
