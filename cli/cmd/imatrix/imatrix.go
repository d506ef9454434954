// Package imatrixcmd implements `calibkit imatrix`: computing importance
// matrices through llama.cpp as llama-imatrix does, merging and converting
// them, and (in its subcommands) inspecting and comparing them.
package imatrixcmd

import (
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/llama"
)

// Options are the parsed flags of `calibkit imatrix` (the compute run).
type Options struct {
	IO *iostreams.IOStreams

	Model        string
	File         string // calibration text; "" merges/converts --in-file only
	Output       string
	Format       imatrix.Format
	FormatSet    bool // --output-format given explicitly
	CtxSize      int
	BatchSize    int
	UBatchSize   int
	Threads      int
	Chunks       int
	FromChunk    int
	ProcessOut   bool
	ParseSpecial bool
	// ParseSpecialSet says --parse-special was given; otherwise it follows
	// the text's manifest (on for chat-formatted text).
	ParseSpecialSet bool
	NoPPL           bool
	FlashAttn       llama.FlashAttn
	OutFreq         int
	SaveFreq        int
	InFiles         []string
	JSON            bool

	// Command is the command line, recorded in the output's manifest.
	Command []string
}

// NewCmdImatrix returns the imatrix command. Its own run computes an
// importance matrix; subcommands (stats, compare, merge, convert) are added
// to it with AddCommand. runF replaces the real run in tests.
func NewCmdImatrix(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	var format, fa string
	cmd := &cobra.Command{
		Use:   "imatrix -m MODEL.gguf -f TEXT [-o imatrix.gguf] [flags]",
		Short: "Compute an importance matrix as llama-imatrix does; stats, compare, merge and convert them",
		Long: `Run a calibration text through a GGUF model with llama.cpp (linked in) and
collect, for every matrix multiplication of the model's blocks, the sum of
squares of its input activations per column: the importance matrix that
llama-quantize --imatrix uses. The semantics are llama-imatrix's (llama.cpp
ec98e2002): the whole text is tokenized at once, cut into chunks of
--ctx-size tokens (BOS written over each chunk's first token when the
vocabulary adds BOS), micro-batches under 16 tokens are skipped, experts of
mixture-of-experts weights are counted apart, and the perplexity over the
second half of each chunk is printed as it goes.

--in-file adds earlier imatrix files (GGUF or legacy .dat) to the sums; with
--from-chunk N it resumes a run stopped after N chunks. Without -f, the
--in-file files are only merged (or, with one file, converted) into -o.

The output is saved every --output-frequency chunks, at the end, and on
Ctrl-C with the chunks completed so far.`,
		Example: `  calibkit imatrix -m model.gguf -f calibration.txt -o imatrix.gguf
  calibkit imatrix -m model.gguf -f calib.txt -c 512 --chunks 100 -t 8 --output-format dat -o imatrix.dat
  calibkit imatrix -m model.gguf -f calib.txt --in-file part1.gguf --from-chunk 40 -o imatrix.gguf
  calibkit imatrix --in-file a.gguf --in-file b.dat -o merged.gguf`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := validate(opts, format, cmd.Flags().Changed("output-format")); err != nil {
				return err
			}
			v, err := llama.ParseFlashAttn(fa)
			if err != nil {
				return cmdutil.FlagErrorf("-fa/--flash-attn: %v", err)
			}
			opts.FlashAttn = v
			opts.ParseSpecialSet = cmd.Flags().Changed("parse-special")
			opts.Command = os.Args
			if runF != nil {
				return runF(opts)
			}
			return computeRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Model, "model", "m", "", "GGUF model to run")
	f.StringVarP(&opts.File, "file", "f", "", "calibration text file")
	f.StringVarP(&opts.Output, "output", "o", "imatrix.gguf", "output file, written atomically with a manifest")
	f.StringVar(&format, "output-format", "gguf", "output format: gguf or dat (legacy)")
	f.IntVarP(&opts.CtxSize, "ctx-size", "c", 512, "tokens per chunk")
	f.IntVarP(&opts.BatchSize, "batch-size", "b", 2048, "logical batch size; when it holds several chunks, that many are decoded side by side (trimmed to whole chunks)")
	f.IntVar(&opts.UBatchSize, "ubatch-size", 512, "physical batch size")
	f.IntVarP(&opts.Threads, "threads", "t", 0, "threads (0: the physical cores, as llama.cpp)")
	f.IntVar(&opts.Chunks, "chunks", -1, "maximum number of chunks to process (-1: all)")
	f.IntVar(&opts.FromChunk, "from-chunk", 0, "skip the first N chunks of the text (resume with --in-file)")
	f.BoolVar(&opts.ProcessOut, "process-output", false, "also collect output.weight")
	f.BoolVar(&opts.ParseSpecial, "parse-special", false, "tokenize special-token text (e.g. <|im_start|>) as special tokens (default: on when the text's manifest says it is chat-formatted)")
	f.BoolVar(&opts.NoPPL, "no-ppl", false, "do not compute the perplexity")
	f.StringVar(&fa, "flash-attn", "off", "flash attention (-fa): on, off or auto (llama.cpp's default is auto; off is faster with the pinned CPU kernels)")
	f.IntVar(&opts.OutFreq, "output-frequency", 10, "save the output every N chunks")
	f.IntVar(&opts.SaveFreq, "save-frequency", 0, "also save a snapshot <output>.at_<chunks> every N chunks (0: never)")
	f.StringArrayVar(&opts.InFiles, "in-file", nil, "earlier imatrix file to add (repeatable; GGUF or .dat)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary of the run on stdout")
	// llama-imatrix's other spellings of the same flags
	f.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		switch name {
		case "chunk":
			name = "from-chunk"
		case "output-file":
			name = "output"
		}
		return pflag.NormalizedName(name)
	})
	cmd.AddCommand(NewCmdStats(io, nil), NewCmdCompare(io, nil), NewCmdMerge(io, nil), NewCmdConvert(io, nil))
	return cmd
}

func validate(opts *Options, format string, formatSet bool) error {
	ft, err := imatrix.ParseFormat(format)
	if err != nil {
		return cmdutil.FlagErrorf("--output-format: %v", err)
	}
	opts.Format, opts.FormatSet = ft, formatSet
	switch {
	case opts.File == "" && len(opts.InFiles) == 0:
		return cmdutil.FlagErrorf("give a calibration text (-f) or imatrix files to merge (--in-file)")
	case opts.File != "" && opts.Model == "":
		return cmdutil.FlagErrorf("-m/--model is required with -f")
	case opts.Output == "":
		return cmdutil.FlagErrorf("-o/--output must not be empty")
	case opts.CtxSize <= 0:
		return cmdutil.FlagErrorf("--ctx-size must be positive, not %d", opts.CtxSize)
	case opts.BatchSize <= 0 || opts.UBatchSize <= 0:
		return cmdutil.FlagErrorf("--batch-size and --ubatch-size must be positive")
	case opts.Threads < 0:
		return cmdutil.FlagErrorf("--threads must be 0 (the physical cores) or more")
	case opts.Chunks == 0 || opts.Chunks < -1:
		return cmdutil.FlagErrorf("--chunks must be positive or -1 (all), not %d", opts.Chunks)
	case opts.FromChunk < 0:
		return cmdutil.FlagErrorf("--from-chunk must not be negative")
	case opts.OutFreq <= 0:
		return cmdutil.FlagErrorf("--output-frequency must be positive")
	case opts.SaveFreq < 0:
		return cmdutil.FlagErrorf("--save-frequency must not be negative")
	}
	if sameFile(opts.Output, opts.Model) || sameFile(opts.Output, opts.File) {
		return cmdutil.FlagErrorf("-o %s would overwrite the model or the calibration text", opts.Output)
	}
	for _, in := range opts.InFiles {
		if sameFile(in, opts.File) {
			return cmdutil.FlagErrorf("--in-file %s is the calibration text", in)
		}
	}
	return nil
}

func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
