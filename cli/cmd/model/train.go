package modelcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/cli/progress"
	"github.com/calibkit/calibkit/train"
)

// TrainOptions are the parsed flags of `calibkit model train`.
type TrainOptions struct {
	IO    *iostreams.IOStreams
	Train train.Options
	JSON  bool
	chat  chatFlags
}

// NewCmdTrain returns the `model train` command; runF replaces the real run
// in tests.
func NewCmdTrain(io *iostreams.IOStreams, runF func(*TrainOptions) error) *cobra.Command {
	opts := &TrainOptions{IO: io, Train: train.Defaults()}
	d := train.Defaults()
	cmd := &cobra.Command{
		Use:   "train -o FILE.gguf [flags] TEXT...",
		Short: "Train a small llama model from scratch on text files (CPU), for demos and experiments",
		Long: `Train a small llama-architecture model from scratch on UTF-8 text files, with
the linked llama.cpp's training API (AdamW, one window of --window tokens per
step) on the CPU. The initial model is calibkit model synth's, its tokenizer
learned from the same text. The last --held-out share of every file (cut at a
line start) is never trained on; its perplexity before and after training is
printed and kept in the manifest.

Such a model knows its training text's languages a little: enough for an
imatrix, a quant type or a calibration text to make a measurable difference
in a study. It is for demos, tests and controlled experiments, never a
production model.

The output is written atomically with a manifest (inputs with sha256, every
hyper-parameter, the loss curve). With --checkpoint-every N the model is also
saved every N steps to OUTPUT.ckpt.gguf; Ctrl-C leaves that checkpoint whole
and writes no output. A loss that becomes NaN or infinite stops the run with
the step and learning rate.`,
		Example: `  calibkit model train -o ja-en.gguf ja.txt en.txt
  calibkit model train -o small.gguf --layers 4 --embd 256 --ff 704 --epochs 2 --lr 1e-3 corpus.txt`,
		Args: cmdutil.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := &opts.Train
			if o.Output == "" {
				return cmdutil.FlagErrorf("-o/--output is required")
			}
			o.Inputs = args
			o.Command = os.Args
			if o.CheckpointEvery > 0 && o.Checkpoint == "" {
				o.Checkpoint = o.Output + ".ckpt.gguf"
			}
			if err := opts.chat.apply(&o.Model); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if runF != nil {
				return runF(opts)
			}
			return trainRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	o, m := &opts.Train, &opts.Train.Model
	f.StringVarP(&o.Output, "output", "o", "", "output GGUF file (required)")
	f.IntVar(&m.Layers, "layers", d.Model.Layers, "transformer blocks")
	f.IntVar(&m.Embd, "embd", d.Model.Embd, "hidden size")
	f.IntVar(&m.FF, "ff", d.Model.FF, "feed-forward size")
	f.IntVar(&m.Heads, "heads", d.Model.Heads, "attention heads; must divide --embd")
	f.IntVar(&m.KVHeads, "kv-heads", d.Model.KVHeads, "key/value heads; must divide --heads")
	f.StringVar(&m.Vocab, "vocab", d.Model.Vocab, "tokenizer: spm or bpe (learned from the inputs)")
	f.IntVar(&m.VocabSize, "vocab-size", d.Model.VocabSize, "tokens in the vocabulary")
	f.IntVar(&m.Ctx, "ctx", d.Model.Ctx, "context length the model declares (llama.context_length)")
	f.Uint64Var(&m.Seed, "model-seed", d.Model.Seed, "seed of the initial weights")
	f.StringVar(&m.Name, "name", "", "general.name (default: built from the flags)")
	f.IntVar(&o.Window, "window", d.Window, "tokens per optimizer step, a multiple of 256")
	f.IntVar(&o.Steps, "steps", 0, "optimizer steps (default: --epochs passes over the text)")
	f.Float64Var(&o.Epochs, "epochs", d.Epochs, "passes over the training windows, when --steps is 0")
	f.Float32Var(&o.LR, "lr", d.LR, "peak learning rate (AdamW)")
	f.Float32Var(&o.MinLRRatio, "min-lr-ratio", d.MinLRRatio, "final learning rate as a share of --lr (cosine decay)")
	f.IntVar(&o.Warmup, "warmup", d.Warmup, "steps of linear warm-up")
	f.Float32Var(&o.WeightDecay, "weight-decay", d.WeightDecay, "AdamW weight decay")
	f.Float64Var(&o.HeldOut, "held-out", d.HeldOut, "share of each file never trained on")
	f.Uint64Var(&o.Seed, "seed", d.Seed, "seed of the window order")
	f.IntVarP(&o.Threads, "threads", "t", 0, "CPU threads (default: the physical cores)")
	f.IntVar(&o.CheckpointEvery, "checkpoint-every", d.CheckpointEvery, "save a checkpoint every N steps (0: never)")
	f.StringVar(&o.Checkpoint, "checkpoint", "", "checkpoint file (default: OUTPUT.ckpt.gguf)")
	opts.chat.add(f)
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary on stdout")
	return cmd
}

func trainRun(ctx context.Context, opts *TrainOptions) error {
	bar := progress.New(ctx, opts.IO)
	o := opts.Train
	o.Progress = func(p train.Progress) { bar.Training("model train", p.Step, p.Steps, p.Tokens, p.Loss) }
	res, err := train.Run(ctx, o)
	bar.Finish(err == nil)
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	w := opts.IO.Out
	fmt.Fprintf(w, "%s: %d steps, %d tokens, %.0f tokens/s, %.1fs; loss %.3f → %.3f\n", res.Output, res.Steps, res.Tokens,
		res.TokensPerSecond, res.Seconds, res.Loss[0], res.Loss[len(res.Loss)-1])
	for _, f := range res.Files {
		fmt.Fprintf(w, "  %s: %d tokens trained on, %d held out: held-out PPL %.1f → %.1f\n",
			filepath.Base(f.Path), f.TrainTokens, f.HeldOutTokens, f.PPLBefore, f.PPLAfter)
	}
	if res.Files[0].PPLAfter >= res.Files[0].PPLBefore || math.IsNaN(res.Files[0].PPLAfter) {
		fmt.Fprintf(opts.IO.ErrOut, "warning: held-out perplexity did not fall; train longer or with a higher --lr\n")
	}
	return nil
}
