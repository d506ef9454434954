package modelcmd

import (
	"context"
	"encoding/json"
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
	"github.com/calibkit/calibkit/internal/synth"
)

// SynthOptions are the parsed flags of `calibkit model synth`.
type SynthOptions struct {
	IO *iostreams.IOStreams

	Model  synth.Options
	Output string
	JSON   bool // print a JSON summary on stdout
	chat   chatFlags

	// Command is the command line, recorded in the output's manifest.
	Command []string
}

// NewCmdSynth returns the `model synth` command; runF replaces the real run
// in tests.
func NewCmdSynth(io *iostreams.IOStreams, runF func(*SynthOptions) error) *cobra.Command {
	opts := &SynthOptions{IO: io, Model: synth.Default()}
	d := synth.Default()
	cmd := &cobra.Command{
		Use:   "synth -o FILE.gguf [flags]",
		Short: "Write a small llama GGUF with a real tokenizer and seeded random weights",
		Long: `Write a llama-architecture GGUF model that llama.cpp loads and runs: a real
tokenizer and random weights drawn from a seeded generator. It knows nothing,
but it tokenizes any UTF-8 text (Japanese included) and computes finite
logits, which is all a pipeline test, a demo or a speed benchmark needs.

  --vocab spm  SentencePiece-style (tokenizer.ggml.model "llama"): <unk>, <s>,
               </s>, the 256 byte-fallback tokens <0x00>..<0xFF>, pieces
               learned from an embedded Japanese/English sample, characters
  --vocab bpe  byte-level BPE (tokenizer.ggml.model "gpt2", pre-tokenizer
               "gpt-2"): 256 byte symbols, merges learned from the same sample
               plus merges completing kana, kanji and other characters

Both add BOS. --experts E with --experts-used K makes every layer a mixture
of experts (llama.expert_count, ffn_*_exps tensors). Matrices are F32 or F16;
norms and the expert router stay F32.

The same flags and --seed give a byte-identical file. The file is written
atomically with a manifest beside it.`,
		Example: `  calibkit model synth -o tiny.gguf
  calibkit model synth -o tiny-bpe-moe.gguf --vocab bpe --experts 4 --experts-used 2
  # about 100M parameters, for speed measurements
  calibkit model synth -o bench-100m.gguf --layers 12 --embd 768 --ff 2048 \
      --heads 12 --kv-heads 12 --vocab-size 8000`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Output == "" {
				return cmdutil.FlagErrorf("-o/--output is required")
			}
			if opts.Output == "-" {
				return cmdutil.FlagErrorf("-o/--output must name a file: a GGUF model is not written to stdout")
			}
			if err := opts.chat.apply(&opts.Model); err != nil {
				return err
			}
			if err := opts.Model.Validate(); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			opts.Command = os.Args
			if runF != nil {
				return runF(opts)
			}
			return synthRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	m := &opts.Model
	f.StringVarP(&opts.Output, "output", "o", "", "output GGUF file (required)")
	f.IntVar(&m.Layers, "layers", d.Layers, "transformer blocks")
	f.IntVar(&m.Embd, "embd", d.Embd, "hidden size")
	f.IntVar(&m.FF, "ff", d.FF, "feed-forward size (per expert with --experts)")
	f.IntVar(&m.Heads, "heads", d.Heads, "attention heads; must divide --embd")
	f.IntVar(&m.KVHeads, "kv-heads", d.KVHeads, "key/value heads; must divide --heads")
	f.StringVar(&m.Vocab, "vocab", d.Vocab, "tokenizer: spm or bpe")
	lo, hi := synth.VocabSizeRange(d.Vocab)
	f.IntVar(&m.VocabSize, "vocab-size", d.VocabSize, fmt.Sprintf("tokens in the vocabulary, special and byte tokens included (%d..%d)", lo, hi))
	f.IntVar(&m.Ctx, "ctx", d.Ctx, "training context length (llama.context_length)")
	f.IntVar(&m.Experts, "experts", 0, "experts per layer (0: dense)")
	f.IntVar(&m.ExpertsUsed, "experts-used", 0, "experts routed per token (with --experts)")
	f.StringVar(&m.Type, "type", d.Type, "matrix type: f32 or f16")
	f.Uint64Var(&m.Seed, "seed", d.Seed, "weight seed")
	f.StringVar(&m.Name, "name", "", "general.name (default: built from the flags)")
	opts.chat.add(f)
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary on stdout")
	return cmd
}

// synthSummary is what --json prints and the manifest counts.
type synthSummary struct {
	Output      string  `json:"output"`
	Bytes       int64   `json:"bytes"`
	Parameters  int64   `json:"parameters"`
	Tensors     int     `json:"tensors"`
	Vocab       string  `json:"vocab"`
	VocabSize   int     `json:"vocab_size"`
	Layers      int     `json:"layers"`
	Embd        int     `json:"embd"`
	FF          int     `json:"ff"`
	Heads       int     `json:"heads"`
	KVHeads     int     `json:"kv_heads"`
	Ctx         int     `json:"ctx"`
	Experts     int     `json:"experts"`
	ExpertsUsed int     `json:"experts_used"`
	Type        string  `json:"type"`
	Seed        uint64  `json:"seed"`
	Seconds     float64 `json:"seconds"`
}

func synthRun(ctx context.Context, opts *SynthOptions) error {
	o := opts.Model
	start := time.Now()
	af, err := atomicfile.Create(opts.Output)
	if err != nil {
		return err
	}
	defer af.Abort()
	cw := &countingWriter{w: af}
	var w io.Writer = cw

	var progress *mpb.Progress
	if opts.IO.ShowProgress() {
		// ShowProgress already decided that ErrOut is a terminal.
		progress = mpb.NewWithContext(ctx, mpb.WithOutput(opts.IO.ErrOut), mpb.WithWidth(40), mpb.WithAutoRefresh())
		bar := progress.AddBar(o.DataBytes(),
			mpb.PrependDecorators(decor.Name("model synth ")),
			mpb.AppendDecorators(
				decor.CountersKibiByte("% .1f / % .1f"),
				decor.Name(" "),
				decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO), "done"),
			))
		pw, err := bar.ProxyWriter(cw)
		if err != nil {
			return fmt.Errorf("progress: %w", err)
		}
		w = pw
		defer func() {
			bar.SetTotal(-1, true)
			progress.Wait()
		}()
	}

	if err := synth.WriteContext(ctx, w, o); err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("model synth %s: interrupted, nothing written: %w", opts.Output, err)
		}
		return fmt.Errorf("model synth %s: %w", opts.Output, err)
	}
	if err := af.Commit(); err != nil {
		return err
	}
	sum := synthSummary{
		Output: opts.Output, Bytes: cw.n, Parameters: o.ParamCount(), Tensors: o.TensorCount(),
		Vocab: o.Vocab, VocabSize: o.VocabSize, Layers: o.Layers, Embd: o.Embd, FF: o.FF,
		Heads: o.Heads, KVHeads: o.KVHeads, Ctx: o.Ctx, Experts: o.Experts, ExpertsUsed: o.ExpertsUsed,
		Type: o.Type, Seed: o.Seed, Seconds: time.Since(start).Seconds(),
	}
	if err := writeManifest(opts, sum); err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sum); err != nil {
			return fmt.Errorf("write JSON summary: %w", err)
		}
	}
	return nil
}

func writeManifest(opts *SynthOptions, sum synthSummary) error {
	o := opts.Model
	m := manifest.New(opts.Output, opts.Command)
	p := m.Parameters
	p["layers"], p["embd"], p["ff"], p["heads"], p["kv_heads"] = o.Layers, o.Embd, o.FF, o.Heads, o.KVHeads
	p["vocab"], p["vocab_size"], p["ctx"] = o.Vocab, o.VocabSize, o.Ctx
	p["experts"], p["experts_used"], p["type"], p["seed"] = o.Experts, o.ExpertsUsed, o.Type, o.Seed
	if o.Name != "" {
		p["name"] = o.Name
	}
	m.Counts["bytes"] = sum.Bytes
	m.Counts["parameters"] = sum.Parameters
	m.Counts["tensors"] = sum.Tensors
	m.Counts["tokens"] = o.VocabSize
	return m.Write()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
