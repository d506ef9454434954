package evalcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/cmdutil"
	"github.com/calibkit/calibkit/internal/iostreams"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/mix"
	"github.com/calibkit/calibkit/mix/llamacount"
	"github.com/calibkit/calibkit/tokenize"
)

// OpenTokenCounter loads a model's vocabulary for token counts; tests
// replace it, and a build without the llama.cpp binding sets it to nil.
var OpenTokenCounter func(modelPath string) (mix.TokenCounter, io.Closer, error) = llamacount.OpenCounter

// BuildOptions are the parsed flags of `calibkit eval build`.
type BuildOptions struct {
	IO *iostreams.IOStreams

	From   string // corpus (.jsonl or .txt)
	Like   string // match this file's size
	Target int64  // with --bytes, --chars or --tokens
	Unit   mix.Unit
	Model  string
	Output string
	Format mix.Format
	Seed   uint64
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
		unitFlag, formatFlag             string
	)
	cmd := &cobra.Command{
		Use:   "build --from CORPUS (--like FILE | --bytes N | --chars N | --tokens N -m MODEL) -o OUT",
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

Sizes take suffixes: 1290590, 4k (10^3), 1.5MB (10^6), 1.5MiB (2^20).`,
		Example: `  # a Japanese wiki.test.raw: the same number of bytes as the English one
  calibkit eval build --from ja.jsonl --like wiki.test.raw -o ja-wiki.test.raw
  # the same number of model tokens, and so of perplexity chunks
  calibkit eval build --from ja.jsonl --like wiki.test.raw --unit tokens -m model.gguf -o ja-tok.raw
  calibkit eval build --from ja.jsonl --bytes 1.5MB --format plain --seed 7 -o ja-eval.txt`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.From == "" {
				return cmdutil.FlagErrorf("--from CORPUS is required")
			}
			if opts.Output == "" {
				return cmdutil.FlagErrorf("-o/--output is required")
			}
			set := 0
			for _, s := range []string{opts.Like, bytesFlag, charsFlag, tokensFlag} {
				if s != "" {
					set++
				}
			}
			if set != 1 {
				return cmdutil.FlagErrorf("give exactly one of --like, --bytes, --chars and --tokens")
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
			default:
				opts.Unit = mix.Tokens
				opts.Target, err = mix.ParseSize(tokensFlag)
			}
			if err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if opts.Like == "" && cmd.Flags().Changed("unit") {
				return cmdutil.FlagErrorf("--unit goes with --like; --bytes, --chars and --tokens carry their unit")
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
	f.StringVar(&opts.From, "from", "", "corpus to draw from: .jsonl or .txt from `calibkit corpus build` (required)")
	f.StringVar(&opts.Like, "like", "", "match the size of this file (e.g. wiki.test.raw)")
	f.StringVar(&unitFlag, "unit", "bytes", "unit --like matches in: bytes, chars or tokens (tokens need -m)")
	f.StringVar(&bytesFlag, "bytes", "", "exact size in bytes (1290590, 1.5MB, 1.5MiB)")
	f.StringVar(&charsFlag, "chars", "", "exact size in characters")
	f.StringVar(&tokensFlag, "tokens", "", "size in the model's tokens (needs -m)")
	f.StringVarP(&opts.Model, "model", "m", "", "GGUF model whose tokenizer counts tokens (vocabulary only is loaded)")
	f.StringVarP(&opts.Output, "output", "o", "", "output file (required)")
	f.StringVar(&formatFlag, "format", "wikitext", "layout: wikitext or plain")
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
}

func buildRun(ctx context.Context, opts *BuildOptions) error {
	var counter mix.TokenCounter
	if opts.Model != "" {
		if OpenTokenCounter == nil {
			return mix.ErrNoTokenCounter
		}
		tc, closer, err := OpenTokenCounter(opts.Model)
		if err != nil {
			return err
		}
		defer closer.Close()
		counter = tc
	}
	sp, err := tokenize.NewSplitter()
	if err != nil {
		return err
	}
	var like *mix.TextCounts
	if opts.Like != "" {
		text, err := mix.ReadTextFile(opts.Like)
		if err != nil {
			return err
		}
		c, err := mix.Measure(text, sp, counter)
		if err != nil {
			return fmt.Errorf("measure %s: %w", opts.Like, err)
		}
		like = &c
		switch opts.Unit {
		case mix.Bytes:
			opts.Target = c.Bytes
		case mix.Chars:
			opts.Target = c.Chars
		case mix.Tokens:
			opts.Target = c.Tokens
		}
		if opts.Target <= 0 {
			return fmt.Errorf("--like %s is empty: nothing to match", opts.Like)
		}
	}
	exclude, err := mix.ReadExclude(opts.Exclude...)
	if err != nil {
		return err
	}
	pool, err := mix.OpenPool(ctx, opts.From)
	if err != nil {
		return err
	}
	defer pool.Close()

	var buf bytes.Buffer
	res, err := mix.BuildEval(ctx, pool, &buf, mix.EvalOptions{
		Target: opts.Target, Unit: opts.Unit, Format: opts.Format, Seed: opts.Seed,
		Exclude: exclude, Counter: counter,
	})
	if err != nil {
		return err
	}
	counts, err := mix.Measure(buf.String(), sp, counter)
	if err != nil {
		return fmt.Errorf("measure %s: %w", opts.Output, err)
	}

	m := manifest.New(opts.Output, opts.Command)
	for _, in := range append([]string{opts.From, opts.Like}, opts.Exclude...) {
		if in == "" {
			continue
		}
		if err := m.AddInput(in); err != nil {
			return err
		}
	}
	m.Parameters["from"] = opts.From
	m.Parameters["like"] = opts.Like
	m.Parameters["unit"] = opts.Unit.String()
	m.Parameters["target"] = opts.Target
	m.Parameters["format"] = opts.Format.String()
	m.Parameters["seed"] = opts.Seed
	m.Parameters["model"] = opts.Model
	m.Parameters["exclude"] = opts.Exclude
	m.Counts = countsMap(counts)
	m.Counts["articles"] = len(res.Articles)
	m.Counts["partial_articles"] = len(res.Partial)
	m.Counts["corpus_sentences"] = res.Sentences
	m.Extra = map[string]any{
		"target":           opts.Target,
		"achieved":         res.Achieved,
		"deviation":        res.Deviation,
		"unit":             opts.Unit.String(),
		"article_ids":      nonNil(res.Articles),
		"partial_articles": res.Partial,
	}
	if like != nil {
		m.Extra["like"] = countsMap(*like)
	}

	af, err := atomicfile.Create(opts.Output)
	if err != nil {
		return err
	}
	defer af.Abort()
	if _, err := af.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write %s: %w", opts.Output, err)
	}
	if err := af.Commit(); err != nil {
		return err
	}
	if err := m.Write(); err != nil {
		os.Remove(opts.Output)
		return err
	}

	sum := Summary{Output: opts.Output, Unit: opts.Unit.String(), Target: opts.Target, Achieved: res.Achieved,
		Deviation: res.Deviation, Articles: len(res.Articles), Partial: len(res.Partial), Counts: counts, Like: like}
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
		fmt.Fprintf(opts.IO.ErrOut, "%s: %d bytes, %d chars, %d sentences from %d whole and %d partial articles (target %d %s, deviation %d)\n",
			opts.Output, counts.Bytes, counts.Chars, counts.Sentences, len(res.Articles), len(res.Partial), opts.Target, opts.Unit, res.Deviation)
		if like != nil {
			fmt.Fprintf(opts.IO.ErrOut, "%s: %d bytes, %d chars, %d sentences\n", opts.Like, like.Bytes, like.Chars, like.Sentences)
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

// countsMap turns counts into manifest counts, leaving out tokens and
// chunks when no model counted them.
func countsMap(c mix.TextCounts) map[string]any {
	m := map[string]any{"bytes": c.Bytes, "chars": c.Chars, "lines": c.Lines, "sentences": c.Sentences}
	if c.Tokens >= 0 {
		m["tokens"] = c.Tokens
		m["chunks_512"] = c.Chunks
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// RunBuild runs `eval build` with options set by another command (the
// demo); Command may be left nil.
func RunBuild(ctx context.Context, opts *BuildOptions) error { return buildRun(ctx, opts) }
