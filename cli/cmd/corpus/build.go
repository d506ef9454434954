package corpuscmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/corpus"
	"github.com/calibkit/calibkit/datasets"
	"github.com/calibkit/calibkit/langs"
)

// BuildOptions are the parsed flags of `calibkit corpus build`.
type BuildOptions struct {
	IO *iostreams.IOStreams

	Inputs  []string // INPUT arguments: files, globs, folders
	Output  string
	Segment string
	Corpus  corpus.Options
	// CutTrailing turns the trailing-section cut on; the headings are
	// Corpus.Clean.TrailingSections (the language's, unless
	// --trailing-sections is given) and AddTrailing.
	CutTrailing bool
	AddTrailing []string
	JSON        bool
	// Chat renders conversation records with a chat template instead.
	Chat ChatFlags

	// Command is the command line, recorded in the output's manifest.
	Command []string
}

// NewCmdBuild returns `corpus build`; runF replaces the real run in tests.
func NewCmdBuild(io *iostreams.IOStreams, runF func(*BuildOptions) error) *cobra.Command {
	opts := &BuildOptions{IO: io, Corpus: corpus.DefaultOptions()}
	co := &opts.Corpus
	cmd := &cobra.Command{
		Use:   "build [flags] INPUT... -o OUT",
		Short: "Clean, normalize, segment and de-duplicate documents into OUT (.txt or .jsonl)",
		Long: `Read documents from INPUT (parquet shards with the Wikipedia schema id, url,
title, text by default; JSONL {id, title, url, text}; or plain text with
documents separated by blank lines; globs and folders work, symlinks are
followed, so a Hugging Face snapshot folder works; an
hf://datasets/OWNER/NAME[@REV]/PATH-GLOB address is fetched through the
Hugging Face cache first, see 'calibkit fetch') and write a clean corpus to OUT:

  1. normalize: invalid UTF-8 replaced (and counted), line ends to \n,
     control and zero-width characters removed, Unicode NFKC, runs of
     spaces collapsed (each step can be turned off, e.g. --nfkc=false);
  2. Wikipedia clean-up: cut each article at its first trailing-section
     heading line (the --lang Wikipedia's: 脚注, 参考文献, 外部リンク...;
     Einzelnachweise, Weblinks...; References, External links...), remove
     brackets left empty such as （） or （、）, drop section headings (lines
     of at most 40 characters without sentence punctuation; --drop-headings);
     with --lang drop lines not in the language: for ja those whose share of
     Japanese characters is under --lang-share (alias --ja-share), for the
     others those whose share of the language's script is under
     --lang-share and, for Latin-script languages, lines the identifier
     (whatlanggo) names another language (--lang-id);
  3. segment: --segment sentences (one per line, cut by the --lang splitter:
     kagome rules for ja, Chinese rules for zh, Unicode sentence boundaries
     with the language's abbreviations for the others, whole paragraphs for
     Thai and Lao), paragraphs or none;
  4. filter units (sentences, or paragraphs) by --min-chars/--max-chars and
     drop exact repeats across the whole run (--dedup).

A .txt output has one unit per line and a blank line between documents; a
.jsonl output has one {"id","title","url","text"} per document. OUT gets a
manifest (OUT.manifest.json) with the inputs' sha256, every parameter and
the counts of what was kept and what each step removed. The output is the
same for any --workers.

With --chat-template FILE|NAME or --chat-template-from MODEL.gguf, INPUT
holds conversation records instead (parquet or JSONL; OpenAI-style
"messages" of {role, content} or ShareGPT-style "conversations" of
{from, value}, --chat-column names another) and each conversation is
rendered with the chat template as Hugging Face's apply_chat_template does
(add_generation_prompt false). The conversation is the unit: only message
contents are normalized (NFKC and space collapsing are off unless asked
for), the template's markup is left as it is, repeats of a whole rendered
conversation are dropped, and a record the template refuses
(raise_exception) is skipped and counted by the template's message. The
manifest says the text is chat-formatted with special tokens, so
'calibkit imatrix' tokenizes them as special tokens.`,
		Example: `  calibkit corpus build ~/.cache/huggingface/hub/datasets--wikimedia--wikipedia/snapshots/*/20231101.ja \
      --lang ja -o ja-wiki.txt
  calibkit corpus build hf://datasets/wikimedia/wikipedia/20231101.de/train-0000*.parquet --lang de -o de-wiki.txt
  calibkit corpus build 'shards/*.parquet' --segment paragraphs -o ja-wiki.jsonl
  calibkit corpus build articles.jsonl --min-chars 10 --max-chars 300 -o sentences.txt
  calibkit corpus build ultrachat/data/train_sft-*.parquet --chat-template-from gemma-2-2b-it.gguf -o chat.txt
  calibkit corpus build sharegpt.jsonl --chat-template chatml --chat-column conversations -o chat.jsonl`,
		Args: cmdutil.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Inputs = args
			if opts.Output == "" {
				return cmdutil.FlagErrorf("give the output file with -o OUT (.txt or .jsonl)")
			}
			if err := checkChatFlags(cmd, opts); err != nil {
				return err
			}
			if _, err := corpus.OutputFormatOf(opts.Output); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			seg, err := corpus.ParseSegment(opts.Segment)
			if err != nil {
				return cmdutil.FlagErrorf("--segment: %v", err)
			}
			co.Segment = seg
			if co.Clean.Lang != "" {
				if _, err := langs.Lookup(co.Clean.Lang); err != nil {
					return cmdutil.FlagErrorf("--lang: %v", err)
				}
			}
			if !cmd.Flags().Changed("trailing-sections") {
				ts, err := corpus.TrailingSectionsFor(co.Clean.Lang)
				if err != nil {
					return cmdutil.FlagErrorf("--lang: %v", err)
				}
				co.Clean.TrailingSections = ts
			}
			co.Clean.TrailingSections = append(co.Clean.TrailingSections, opts.AddTrailing...)
			if !opts.CutTrailing {
				co.Clean.TrailingSections = nil
			}
			if cmd.Flags().Changed("ja-share") {
				if co.Clean.JapaneseShare < 0 || co.Clean.JapaneseShare > 1 {
					return cmdutil.FlagErrorf("--ja-share %g: give a share between 0 and 1", co.Clean.JapaneseShare)
				}
				if cmd.Flags().Changed("lang-share") && co.Clean.ScriptShare != co.Clean.JapaneseShare {
					return cmdutil.FlagErrorf("--ja-share %g and --lang-share %g: give one (--ja-share is an alias)", co.Clean.JapaneseShare, co.Clean.ScriptShare)
				}
				co.Clean.ScriptShare = co.Clean.JapaneseShare
			}
			if co.Clean.ScriptShare < 0 || co.Clean.ScriptShare > 1 {
				return cmdutil.FlagErrorf("--lang-share %g: give a share between 0 and 1 (0: the language's default)", co.Clean.ScriptShare)
			}
			if co.Clean.LangIDMinWords < 1 {
				return cmdutil.FlagErrorf("--lang-id-min-words must be at least 1")
			}
			if co.Workers < 1 {
				return cmdutil.FlagErrorf("--workers must be at least 1")
			}
			if co.MinChars < 0 || co.MaxChars < 0 || (co.MaxChars > 0 && co.MinChars > co.MaxChars) {
				return cmdutil.FlagErrorf("--min-chars %d and --max-chars %d: need 0 <= min <= max (max 0: no limit)", co.MinChars, co.MaxChars)
			}
			if co.Clean.JapaneseShare < 0 || co.Clean.JapaneseShare > 1 {
				return cmdutil.FlagErrorf("--ja-share %g: give a share between 0 and 1", co.Clean.JapaneseShare)
			}
			if co.Reader.TextColumn == "" {
				return cmdutil.FlagErrorf("--text-column must not be empty")
			}
			if opts.Command == nil {
				opts.Command = os.Args
			}
			if runF != nil {
				return runF(opts)
			}
			if opts.Chat.chatOn() {
				return buildChatRun(cmd.Context(), opts)
			}
			return buildRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", "", "output file: .txt (one unit per line) or .jsonl")
	f.StringVar(&co.Reader.TextColumn, "text-column", co.Reader.TextColumn, "parquet column / JSONL key holding the text")
	f.StringVar(&co.Reader.IDColumn, "id-column", co.Reader.IDColumn, `column / key holding the document id ("" to skip)`)
	f.StringVar(&co.Reader.TitleColumn, "title-column", co.Reader.TitleColumn, `column / key holding the title ("" to skip)`)
	f.StringVar(&co.Reader.URLColumn, "url-column", co.Reader.URLColumn, `column / key holding the URL ("" to skip)`)
	f.BoolVar(&co.Normalize.NFKC, "nfkc", true, "apply Unicode NFKC normalization")
	f.BoolVar(&co.Normalize.Newlines, "newlines", true, `turn \r\n, \r, U+0085, U+2028, U+2029 into \n`)
	f.BoolVar(&co.Normalize.StripControls, "strip-controls", true, "remove control and zero-width (format) characters")
	f.BoolVar(&co.Normalize.CollapseSpaces, "collapse-spaces", true, "collapse runs of spaces and trim lines")
	f.BoolVar(&opts.CutTrailing, "cut-trailing", true, "cut articles at their first trailing-section heading")
	f.StringSliceVar(&co.Clean.TrailingSections, "trailing-sections", nil, "comma-separated trailing-section headings, replacing the --lang ones (default: the language's Wikipedia headings)")
	f.StringSliceVar(&opts.AddTrailing, "add-trailing-sections", nil, "comma-separated headings to cut at besides the language's")
	f.BoolVar(&co.Clean.EmptyBrackets, "empty-brackets", true, "remove brackets left empty, like （） or （、）")
	f.BoolVar(&co.Clean.DropHeadings, "drop-headings", true, fmt.Sprintf("drop section headings: lines of at most %d characters without 。！？、 or other sentence punctuation", corpus.HeadingMaxChars))
	f.StringVar(&co.Clean.Lang, "lang", "", "Wikipedia language code (ja, zh, de, en...; see docs/corpus.md): its splitter, headings and line filter")
	f.Float64Var(&co.Clean.ScriptShare, "lang-share", 0, "with --lang, minimum share of the language's script among a line's letters (0: the language's default, 0.3 for ja/zh/ko, 0.5 else)")
	f.Float64Var(&co.Clean.JapaneseShare, "ja-share", co.Clean.JapaneseShare, "alias of --lang-share (with --lang ja, minimum share of Japanese characters in a line)")
	f.BoolVar(&co.Clean.LangID, "lang-id", true, "with a Latin-script --lang, drop lines the language identifier names another language")
	f.IntVar(&co.Clean.LangIDMinWords, "lang-id-min-words", co.Clean.LangIDMinWords, "fewest words a line needs before the identifier may drop it")
	f.StringVar(&opts.Segment, "segment", "sentences", "output unit: sentences, paragraphs or none")
	f.IntVar(&co.MinChars, "min-chars", co.MinChars, "drop units shorter than this many characters")
	f.IntVar(&co.MaxChars, "max-chars", co.MaxChars, "drop units longer than this many characters (0: no limit)")
	f.BoolVar(&co.Dedup, "dedup", true, "drop exact repeats of a unit across the whole run")
	f.IntVar(&co.Workers, "workers", runtime.NumCPU(), "cleaning goroutines (the output does not depend on it)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary on stdout")
	addChatFlags(cmd, &opts.Chat)
	return cmd
}

// Summary is what --json prints.
type Summary struct {
	Output   string        `json:"output"`
	Manifest string        `json:"manifest"`
	Inputs   []string      `json:"inputs"`
	Stats    *corpus.Stats `json:"stats"`
	Seconds  float64       `json:"seconds"`
}

// buildInputs is the files a build reads: hf://datasets/... inputs are
// fetched through the Hugging Face cache and replaced by their snapshot
// paths, folders expanded to their files, and the output left out.
func buildInputs(ctx context.Context, opts *BuildOptions) ([]string, error) {
	resolved, err := datasets.ResolveInputs(ctx, nil, opts.Inputs)
	if err != nil {
		return nil, err
	}
	inputs, err := corpus.ExpandInputs(resolved)
	if err != nil {
		return nil, err
	}
	return dropOutput(opts, inputs)
}

func buildRun(ctx context.Context, opts *BuildOptions) error {
	inputs, err := buildInputs(ctx, opts)
	if err != nil {
		return err
	}
	start := time.Now()
	co := opts.Corpus
	var p *mpb.Progress
	if opts.IO.ShowProgress() {
		p, co.Progress = progressBar(ctx, opts.IO)
	}
	st, err := corpus.Build(ctx, inputs, opts.Output, opts.Command, co)
	if p != nil {
		p.Shutdown()
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: %s was not written: %w", opts.Output, err)
	}
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	if !opts.IO.Quiet {
		for _, e := range st.EmptyInputs {
			fmt.Fprintf(opts.IO.ErrOut, "calibkit: warning: %s holds no documents\n", e)
		}
	}
	if opts.IO.ShowProgress() {
		files := "files"
		if st.Inputs == 1 {
			files = "file"
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s: wrote %d documents, %d paragraphs, %d sentences, %d characters (%s); read %d documents from %d %s at %.1f MB/s\n",
			opts.Output, st.DocumentsWritten, st.Paragraphs, st.Sentences, st.Characters, humanBytes(st.Bytes),
			st.DocumentsRead, st.Inputs, files, float64(st.InputTextBytes)/1e6/max(secs, 1e-9))
		r := st.Removed
		fmt.Fprintf(opts.IO.ErrOut, "removed: %d trailing sections, %d empty brackets, %d headings, %d lines in another language, %d too short, %d too long, %d duplicates, %d emptied documents; %d invalid UTF-8 replaced\n",
			r.TrailingSectionDocs, r.EmptyBrackets, r.HeadingLines, r.NonJapaneseLines+r.OtherScriptLines+r.OtherLanguageLines, r.TooShort, r.TooLong, r.Duplicates, r.EmptyDocuments, st.InvalidUTF8)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(Summary{Output: opts.Output, Manifest: opts.Output + ".manifest.json", Inputs: inputs, Stats: st, Seconds: secs})
	}
	return nil
}

// progressBar draws input bytes consumed, documents/s, MB/s of text and
// the ETA on stderr.
func progressBar(ctx context.Context, io *iostreams.IOStreams) (*mpb.Progress, func(corpus.Progress)) {
	p := mpb.NewWithContext(ctx, mpb.WithOutput(io.ErrOut), mpb.WithAutoRefresh())
	var bar *mpb.Bar
	var docs, text atomic.Int64
	start := time.Now()
	last, lastT := int64(0), start
	return p, func(pr corpus.Progress) {
		if bar == nil {
			bar = p.AddBar(pr.TotalInputBytes,
				mpb.PrependDecorators(decor.Name("corpus "), decor.CountersKibiByte("% .1f / % .1f")),
				mpb.AppendDecorators(
					decor.Any(func(decor.Statistics) string {
						s := max(time.Since(start).Seconds(), 1e-9)
						return fmt.Sprintf("%d docs  %.0f docs/s  %.1f MB/s  ETA ",
							docs.Load(), float64(docs.Load())/s, float64(text.Load())/1e6/s)
					}),
					decor.EwmaETA(decor.ET_STYLE_GO, 30),
				))
		}
		docs.Store(pr.Documents)
		text.Store(pr.TextBytes)
		now := time.Now()
		bar.EwmaIncrInt64(pr.InputBytes-last, now.Sub(lastT))
		last, lastT = pr.InputBytes, now
		if pr.InputBytes >= pr.TotalInputBytes {
			bar.SetTotal(pr.TotalInputBytes, true)
		}
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// dropOutput leaves out of inputs the output file of an earlier run, which
// a folder or glob argument picks up when the output is written inside it.
// An output named as an input argument itself is an error.
func dropOutput(opts *BuildOptions, inputs []string) ([]string, error) {
	kept, dropped := corpus.DropOutput(inputs, opts.Output)
	if len(dropped) == 0 {
		return inputs, nil
	}
	if named, _ := corpus.DropOutput(opts.Inputs, opts.Output); len(named) < len(opts.Inputs) {
		return nil, cmdutil.FlagErrorf("input %s is the output file or its manifest: write the output elsewhere", opts.Output)
	}
	if !opts.IO.Quiet {
		for _, d := range dropped {
			fmt.Fprintf(opts.IO.ErrOut, "calibkit: note: not reading %s, the output of this run\n", d)
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("no input left once the output %s is left out", opts.Output)
	}
	return kept, nil
}
