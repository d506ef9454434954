// Package perplexitycmd implements `calibkit perplexity`: llama-perplexity's
// perplexity and KL divergence through the linked llama.cpp.
package perplexitycmd

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/tasks"
)

// Options are the parsed flags of `calibkit perplexity`.
type Options struct {
	IO *iostreams.IOStreams

	Model      string
	File       string
	CtxSize    int
	CtxSet     bool // -c given explicitly
	BatchSize  int
	UBatchSize int
	Threads    int
	Chunks     int
	FlashAttn  llama.FlashAttn
	KLDBase    string // --kl-divergence-base
	KLD        bool   // --kl-divergence
	JSON       bool
	// ParseSpecial tokenizes special-token text as special tokens
	// (--parse-special); ParseSpecialSet says the flag was given,
	// otherwise it follows the -f file's manifest.
	ParseSpecial    bool
	ParseSpecialSet bool

	// Tasks are llama-perplexity's task modes; Mode is the one chosen
	// ("" scores perplexity) and NTasks its task count.
	Tasks  taskFlags
	Mode   tasks.Mode
	NTasks int

	// Command is the command line, recorded in a base file's manifest.
	Command []string
}

// DefaultFlashAttn is the -fa default: off, measured faster than on with
// the pinned CPU flash-attention kernel (docs/perplexity.md).
const DefaultFlashAttn = "off"

// NewCmdPerplexity returns the perplexity command; runF replaces the real
// run in tests.
func NewCmdPerplexity(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	var fa string
	cmd := &cobra.Command{
		Use:   "perplexity -m MODEL.gguf -f TEXT [flags]",
		Short: "Score perplexity, KL divergence to a base model or task accuracy, as llama-perplexity does",
		Long: `Run a text through a GGUF model with llama.cpp (linked in) and print
llama-perplexity's numbers: the whole text is tokenized at once (BOS added as
the vocabulary asks), cut into chunks of --ctx-size tokens with BOS written
over each chunk's first token, --batch-size/--ctx-size chunks are decoded
side by side, and the second half of each chunk is scored. The running
"[1]5.3541,[2]7.6622,..." line goes to stdout, "Final estimate: PPL = X +/- E"
to stderr, as llama-perplexity prints them (with --json, stdout carries only
the JSON summary, which adds each chunk's negative log-likelihood, and the
running line goes to stderr).

KL divergence, as llama-perplexity: --kl-divergence-base FILE alone runs the
base (unquantized) model on the text and saves its log-probabilities to FILE
in llama-perplexity's own format (either tool reads the other's); then
--kl-divergence-base FILE --kl-divergence runs the quantized model on the
same tokens (taken from FILE; -f is not needed) and prints upstream's
statistics: PPL(Q) against PPL(base), KLD mean and percentiles, Δp and the
same-top-token share.

Chat-formatted text (conversations rendered with a chat template, e.g.
"<|im_start|>user ...<|im_end|>") is tokenized with its special tokens parsed
when its manifest says it carries them (calibkit corpus build --chat-template,
eval build from a chat corpus), as calibkit imatrix does: each turn marker is
the one control token the model reads. llama-perplexity has no such option and
spells the markers out as text, which gives an instruct model's perplexity on
chat text no meaning; --parse-special=false scores them as text, as it does.
With --kl-divergence-base the base file keeps the tokens so made, and the
--kl-divergence run takes them from it.

Task accuracy, as llama-perplexity: --hellaswag, --winogrande or
--multiple-choice score -f as that task file (calibkit tasks build writes
them from the datasets' published forms) by the log-likelihood of each
continuation, printing the running accuracy and the final accuracy with its
standard error; --json adds every item's outcome (docs/tasks.md).`,
		Example: `  calibkit perplexity -m model-Q4_K_M.gguf -f wiki.test.raw
  calibkit perplexity -m model-Q4_K_M.gguf -f eval.txt -c 512 --chunks 100 -t 8 --json > q4.json
  calibkit perplexity -m model-f16.gguf -f eval.txt --kl-divergence-base base.kld
  calibkit perplexity -m model-Q4_K_M.gguf --kl-divergence-base base.kld --kl-divergence
  calibkit perplexity -m model-Q4_K_M.gguf -f jcommonsenseqa.bin --multiple-choice   # -np sized to the file: 5 answers, 5 sequences`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.CtxSet = cmd.Flags().Changed("ctx-size")
			opts.ParseSpecialSet = cmd.Flags().Changed("parse-special")
			if err := validate(opts, fa); err != nil {
				return err
			}
			opts.Command = os.Args
			if runF != nil {
				return runF(opts)
			}
			if opts.Mode != "" {
				return tasksRun(cmd.Context(), opts)
			}
			return perplexityRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Model, "model", "m", "", "GGUF model to run")
	f.StringVarP(&opts.File, "file", "f", "", "text file to score")
	f.IntVarP(&opts.CtxSize, "ctx-size", "c", 512, "tokens per chunk (with --kl-divergence: the base file's)")
	f.IntVarP(&opts.BatchSize, "batch-size", "b", 2048, "logical batch size; when it holds several chunks, that many are decoded side by side")
	f.IntVar(&opts.UBatchSize, "ubatch-size", 512, "physical batch size (-ub)")
	f.IntVarP(&opts.Threads, "threads", "t", 0, "threads (0: the physical cores, as llama.cpp)")
	f.IntVar(&opts.Chunks, "chunks", -1, "maximum number of chunks to process (-1: all)")
	f.StringVar(&fa, "flash-attn", DefaultFlashAttn, "flash attention (-fa): on, off or auto (llama.cpp's default is auto)")
	f.StringVar(&opts.KLDBase, "kl-divergence-base", "", "base model log-probabilities file: written, or read with --kl-divergence")
	f.BoolVar(&opts.KLD, "kl-divergence", false, "compute the KL divergence against --kl-divergence-base")
	f.BoolVar(&opts.ParseSpecial, "parse-special", false, "tokenize special-token text (e.g. <|im_start|>) as special tokens (default: on when the text's manifest says it is chat-formatted; llama-perplexity cannot)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary on stdout (per-chunk NLLs and KLD statistics included)")
	opts.Tasks.register(f)
	return cmd
}

func validate(opts *Options, fa string) error {
	v, err := llama.ParseFlashAttn(fa)
	if err != nil {
		return cmdutil.FlagErrorf("-fa/--flash-attn: %v", err)
	}
	opts.FlashAttn = v
	if opts.Mode, opts.NTasks, err = opts.Tasks.mode(); err != nil {
		return err
	}
	if opts.ParseSpecialSet && opts.ParseSpecial && (opts.Mode != "" || opts.KLD) {
		if opts.KLD {
			return cmdutil.FlagErrorf("--parse-special does not apply to --kl-divergence: the tokens come from the base file (give --parse-special when writing it)")
		}
		return cmdutil.FlagErrorf("--parse-special does not apply to --%s: task files are tokenized as llama-perplexity does", opts.Mode)
	}
	if opts.Mode != "" && (opts.KLD || opts.KLDBase != "") {
		return cmdutil.FlagErrorf("--%s scores a task file: it does not combine with --kl-divergence or --kl-divergence-base", opts.Mode)
	}
	switch {
	case opts.Model == "":
		return cmdutil.FlagErrorf("-m/--model is required")
	case opts.KLD && opts.KLDBase == "":
		return cmdutil.FlagErrorf("--kl-divergence needs --kl-divergence-base FILE (the base model's log-probabilities)")
	case !opts.KLD && opts.File == "":
		return cmdutil.FlagErrorf("-f/--file is required")
	case opts.CtxSize <= 0:
		return cmdutil.FlagErrorf("--ctx-size must be positive, not %d", opts.CtxSize)
	case opts.BatchSize <= 0 || opts.UBatchSize <= 0:
		return cmdutil.FlagErrorf("--batch-size and --ubatch-size must be positive")
	case opts.BatchSize >= opts.CtxSize && opts.BatchSize%opts.CtxSize != 0 && !opts.KLD && opts.Mode == "":
		return cmdutil.FlagErrorf("--batch-size %d must be a multiple of --ctx-size %d or smaller than it (llama-perplexity asserts it)", opts.BatchSize, opts.CtxSize)
	case opts.Threads < 0:
		return cmdutil.FlagErrorf("--threads must be 0 (the physical cores) or more")
	case opts.Chunks == 0 || opts.Chunks < -1:
		return cmdutil.FlagErrorf("--chunks must be positive or -1 (all), not %d", opts.Chunks)
	}
	if !opts.KLD && opts.KLDBase != "" && (sameFile(opts.KLDBase, opts.Model) || sameFile(opts.KLDBase, opts.File)) {
		return cmdutil.FlagErrorf("--kl-divergence-base %s would overwrite the model or the text", opts.KLDBase)
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
