// Package tokenizecmd implements `calibkit tokenize`: sentences, wakati or
// MeCab-style part-of-speech lines from text, line by line, in parallel.
package tokenizecmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/langs"
	"github.com/calibkit/calibkit/tokenize"
)

// Mode is what the command writes for each input line.
type Mode string

// The output modes, one per flag.
const (
	ModeSentences Mode = "sentences"
	ModeWakati    Mode = "wakati"
	ModePOS       Mode = "pos"
)

// Options are the parsed flags of `calibkit tokenize`.
type Options struct {
	IO *iostreams.IOStreams

	Mode     Mode
	Workers  int    // ≤ 0: one per CPU
	File     string // input; "" or "-" for stdin
	Output   string // output; "" or "-" for stdout
	UserDict string // kagome user dictionary file for --wakati/--pos
	Lang     string // language of --sentences; "" is the Japanese splitter
	JSON     bool   // print a JSON summary on stderr

	// Command is the command line, recorded in the output's manifest.
	Command []string
}

// NewCmdTokenize returns the tokenize command; runF replaces the real run in tests.
func NewCmdTokenize(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	var sentences, wakati, pos bool
	cmd := &cobra.Command{
		Use:   "tokenize (--sentences | --wakati | --pos) [-f FILE] [-o FILE]",
		Short: "Split text into sentences (any of the 37 languages) or Japanese morphemes (kagome)",
		Long: `Read text (stdin, or -f FILE) line by line and write (stdout, or -o FILE):

  --sentences  one sentence per line; a blank input line stays a blank line
  --wakati     one line per input line, morphemes separated by spaces
  --pos        MeCab's default format: "surface<TAB>features" per morpheme,
               "EOS" after each input line

--sentences cuts with the --lang splitter: without --lang (or with ja)
the Japanese one (kagome's sentence rules with bracket and quote repairs),
which also serves zh; Unicode sentence boundaries (UAX #29) with the
language's abbreviations for de, en, fr, ru... ; whole lines for Thai and
Lao, which have no sentence punctuation.

Morphemes come from kagome with the IPA dictionary in Normal mode.
Whitespace is not a morpheme. Lines run on --workers goroutines and are
written in input order: the output is the same for any worker count.
Invalid UTF-8 is replaced by U+FFFD and counted.`,
		Example: `  calibkit tokenize --sentences < articles.txt > sentences.txt
  calibkit tokenize --wakati --workers 2 -f corpus.txt -o corpus.wakati.txt
  calibkit tokenize --sentences --lang de -f artikel.txt -o saetze.txt
  echo 'すもももももももものうち' | calibkit tokenize --pos`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 0
			for _, set := range []bool{sentences, wakati, pos} {
				if set {
					n++
				}
			}
			if n != 1 {
				return cmdutil.FlagErrorf("give exactly one of --sentences, --wakati, --pos")
			}
			switch {
			case sentences:
				opts.Mode = ModeSentences
			case wakati:
				opts.Mode = ModeWakati
			case pos:
				opts.Mode = ModePOS
			}
			if opts.Workers < 0 {
				return cmdutil.FlagErrorf("--workers must be 0 (one per CPU) or more, not %d", opts.Workers)
			}
			if opts.Lang != "" {
				if _, err := langs.Lookup(opts.Lang); err != nil {
					return cmdutil.FlagErrorf("--lang: %v", err)
				}
				if opts.Mode != ModeSentences && opts.Lang != "ja" {
					return cmdutil.FlagErrorf("--lang %s: --wakati and --pos are Japanese only (kagome, IPA dictionary)", opts.Lang)
				}
			}
			if opts.UserDict != "" && opts.Mode == ModeSentences {
				return cmdutil.FlagErrorf("--user-dict applies to --wakati and --pos, not --sentences")
			}
			if opts.Output != "" && opts.Output != "-" && opts.File != "" && opts.File != "-" && sameFile(opts.File, opts.Output) {
				return cmdutil.FlagErrorf("--output %s is the input file: it would be replaced while read", opts.Output)
			}
			opts.Command = os.Args
			if runF != nil {
				return runF(opts)
			}
			return tokenizeRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&sentences, "sentences", false, "one sentence per line")
	f.BoolVar(&wakati, "wakati", false, "space-separated morphemes, one line per input line")
	f.BoolVar(&pos, "pos", false, "one morpheme per line with its features, EOS after each input line")
	f.IntVar(&opts.Workers, "workers", 0, "parallel workers (0: one per CPU)")
	f.StringVarP(&opts.File, "file", "f", "", "input text file (default stdin)")
	f.StringVarP(&opts.Output, "output", "o", "", "output file, written atomically with a manifest (default stdout)")
	f.StringVar(&opts.UserDict, "user-dict", "", "kagome user dictionary file (--wakati, --pos)")
	f.StringVar(&opts.Lang, "lang", "", "language of --sentences: a Wikipedia code (ja, zh, de, en, ...; default the Japanese splitter)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary of the run (on stdout with -o, else on stderr)")
	return cmd
}

func sameFile(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// lineFunc builds the per-line function for opts.Mode.
func lineFunc(opts *Options) (tokenize.LineFunc, error) {
	if opts.Mode == ModeSentences {
		var s tokenize.SentenceSplitter
		var err error
		if opts.Lang == "" {
			s, err = tokenize.NewSplitter()
		} else {
			s, err = tokenize.SplitterFor(opts.Lang)
		}
		if err != nil {
			return nil, err
		}
		return s.AppendSentenceLines, nil
	}
	dictOpt := tokenize.TokenizerNop()
	if opts.UserDict != "" {
		dictOpt = tokenize.UserDictFile(opts.UserDict)
	}
	// --wakati needs no base forms or readings: load the smaller dictionary.
	shrink := tokenize.TokenizerNop()
	if opts.Mode == ModeWakati {
		shrink = tokenize.WakatiOnly()
	}
	tk, err := tokenize.NewTokenizer(dictOpt, shrink)
	if err != nil {
		return nil, err
	}
	switch opts.Mode {
	case ModeWakati:
		return tk.AppendWakatiLine, nil
	case ModePOS:
		return tk.AppendPOSLine, nil
	}
	return nil, fmt.Errorf("unknown mode %q", opts.Mode)
}

// summary is what --json prints.
type summary struct {
	Mode  Mode   `json:"mode"`
	Input string `json:"input"`
	tokenize.PipelineStats
	Output    string  `json:"output"`
	OutLines  int64   `json:"output_lines"`
	OutChars  int64   `json:"output_chars"`
	Sentences int64   `json:"sentences,omitempty"`
	Morphemes int64   `json:"morphemes,omitempty"`
	Seconds   float64 `json:"seconds"`
	MBPerSec  float64 `json:"mb_per_s"`
}

func tokenizeRun(ctx context.Context, opts *Options) error {
	fn, err := lineFunc(opts)
	if err != nil {
		return err
	}

	var in io.Reader = opts.IO.In
	inName, size := "stdin", int64(0)
	if opts.File != "" && opts.File != "-" {
		f, err := os.Open(opts.File)
		if err != nil {
			return fmt.Errorf("open input: %w", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		in, inName = f, opts.File
	}

	var out io.Writer = opts.IO.Out
	outName := "stdout"
	var af *atomicfile.File
	if opts.Output != "" && opts.Output != "-" {
		af, err = atomicfile.Create(opts.Output)
		if err != nil {
			return err
		}
		defer af.Abort()
		out, outName = af, opts.Output
	}
	cw := &tokenize.CountingWriter{W: out}

	stopProgress := func() {}
	if opts.IO.ShowProgress() {
		// ShowProgress already decided that ErrOut is a terminal.
		progress := mpb.NewWithContext(ctx, mpb.WithOutput(opts.IO.ErrOut), mpb.WithWidth(40), mpb.WithAutoRefresh())
		bar := progress.AddBar(size,
			mpb.PrependDecorators(decor.Name("tokenize --"+string(opts.Mode)+" ")),
			mpb.AppendDecorators(
				decor.CurrentKibiByte("% .1f"),
				decor.Name(" "),
				decor.AverageSpeed(decor.SizeB1024(0), "% .1f"),
				decor.Name(" "),
				decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO), "done"),
			))
		pr, err := bar.ProxyReader(in)
		if err != nil {
			return fmt.Errorf("progress: %w", err)
		}
		in = pr
		stopped := false
		stopProgress = func() {
			if !stopped {
				stopped = true
				bar.SetTotal(-1, true)
				progress.Wait()
			}
		}
		defer stopProgress()
	}

	start := time.Now()
	stats, err := tokenize.ProcessLines(ctx, in, cw, opts.Workers, fn)
	stopProgress() // before anything else goes to stderr
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("tokenize %s: interrupted after %d lines: %w", inName, stats.Lines, err)
		}
		return fmt.Errorf("tokenize %s: %w", inName, err)
	}
	elapsed := time.Since(start)

	sum := summary{Mode: opts.Mode, Input: inName, PipelineStats: stats, Output: outName,
		OutLines: cw.Lines, OutChars: cw.Chars, Seconds: elapsed.Seconds()}
	if elapsed > 0 {
		sum.MBPerSec = float64(stats.BytesIn) / 1e6 / elapsed.Seconds()
	}
	switch opts.Mode {
	case ModeSentences:
		sum.Sentences = cw.Lines - cw.BlankLines
	case ModePOS:
		sum.Morphemes = cw.Lines - stats.Lines
	}

	if af != nil {
		if err := af.Commit(); err != nil {
			return err
		}
		if err := writeManifest(opts, sum); err != nil {
			return err
		}
	}
	if stats.InvalidUTF8Lines > 0 && !opts.IO.Quiet {
		lines := "lines"
		if stats.InvalidUTF8Lines == 1 {
			lines = "line"
		}
		fmt.Fprintf(opts.IO.ErrOut, "calibkit: warning: %d %s of %s held invalid UTF-8, replaced by U+FFFD\n", stats.InvalidUTF8Lines, lines, inName)
	}
	if opts.JSON {
		// Data owns stdout unless it went to a file.
		w := opts.IO.ErrOut
		if af != nil {
			w = opts.IO.Out
		}
		return writeJSON(w, sum)
	}
	return nil
}

func writeManifest(opts *Options, sum summary) error {
	m := manifest.New(opts.Output, opts.Command)
	if opts.File != "" && opts.File != "-" {
		if err := m.AddInput(opts.File); err != nil {
			return err
		}
	}
	if opts.UserDict != "" {
		if err := m.AddInput(opts.UserDict); err != nil {
			return err
		}
	}
	m.Parameters["mode"] = string(opts.Mode)
	if opts.Mode == ModeSentences && opts.Lang != "" {
		l, err := langs.Lookup(opts.Lang)
		if err != nil {
			return err
		}
		m.Parameters["lang"] = l.Code
		m.Parameters["segmenter"] = l.Segmenter.String()
		if l.Segmenter == langs.SegmentParagraphs {
			m.Parameters["segmenter_note"] = l.Name + " has no sentence punctuation to cut at: each line is kept whole"
		}
	} else {
		m.Parameters["dictionary"] = "ipa"
		m.Parameters["tokenize_mode"] = "normal"
	}
	m.Counts["input_lines"] = sum.Lines
	m.Counts["input_bytes"] = sum.BytesIn
	m.Counts["invalid_utf8_lines"] = sum.InvalidUTF8Lines
	m.Counts["bytes"] = sum.BytesOut
	m.Counts["characters"] = sum.OutChars
	m.Counts["lines"] = sum.OutLines
	switch opts.Mode {
	case ModeSentences:
		m.Counts["sentences"] = sum.Sentences
	case ModePOS:
		m.Counts["morphemes"] = sum.Morphemes
	}
	return m.Write()
}
