// Package train makes small llama-architecture models that have learned
// something: a model from synth, its tokenizer learned from the same text,
// trained from scratch with the linked llama.cpp's training API on the CPU.
// Such models are for demos, tests and controlled experiments on
// calibration, never for production use.
package train

import (
	"errors"
	"fmt"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
)

// Options is one training run.
type Options struct {
	// Inputs are UTF-8 text files; the last HeldOut share of each (from a
	// line start) is never trained on and gives its held-out perplexity.
	Inputs []string
	// Output is the trained model's path; a manifest goes beside it.
	Output string
	// Model is the architecture of the initial model (synth's options;
	// Seed seeds its weights). Its vocabulary is learned from the inputs.
	Model synth.Options
	// Window is the tokens of one optimizer step, a multiple of 256.
	Window int
	// Steps is the number of optimizer steps; 0 means Epochs passes over
	// the training windows.
	Steps  int
	Epochs float64
	// LR is the peak learning rate, reached after Warmup steps and decayed
	// on a cosine to LR×MinLRRatio at the last step.
	LR          float32
	MinLRRatio  float32
	Warmup      int
	WeightDecay float32
	// HeldOut is the share of each input kept out of training, 0 to 0.5.
	HeldOut float64
	// Seed orders the windows (a new order every epoch).
	Seed uint64
	// Threads is the CPU threads; 0 means the physical cores.
	Threads int
	// CheckpointEvery saves the model to Checkpoint every so many steps
	// (0: never); the last checkpoint is always one whose next step had a
	// finite loss.
	CheckpointEvery int
	Checkpoint      string
	// Progress, if not nil, is called after every step.
	Progress func(Progress) `json:"-"`
	// Command is the command line, for the manifest.
	Command []string
}

// Progress is the state after a step.
type Progress struct {
	Step, Steps     int
	Tokens          int // tokens trained on so far
	Loss            float64
	LR              float32
	TokensPerSecond float64
}

// Defaults returns the options of a small model that learns in a minute
// or two on two cores: 2 layers, 256 wide (rows of 256, so that k-quants
// and i-quants apply to every matrix), an SPM vocabulary of 2048 tokens,
// windows of 256 tokens.
func Defaults() Options {
	m := synth.Default()
	m.Layers, m.Embd, m.FF, m.Heads, m.KVHeads = 2, 256, 768, 4, 4
	m.VocabSize = 2048
	m.Ctx = 2048
	return Options{
		Model: m, Window: 256, Epochs: 1, LR: 1e-3, MinLRRatio: 0.1, Warmup: 20,
		HeldOut: 0.1, Seed: 1, CheckpointEvery: 100,
	}
}

// Validate reports every invalid option, joined.
func (o Options) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(o.Inputs) == 0 {
		bad("no input text files")
	}
	if o.Output == "" {
		bad("no output file")
	}
	if err := o.Model.Validate(); err != nil {
		errs = append(errs, err)
	}
	if o.Model.Experts != 0 {
		bad("--experts: calibkit trains dense models only")
	}
	if o.Model.Layers > llama.MaxTrainLayers {
		bad("--layers: calibkit trains models of up to %d layers with the pinned llama.cpp (a deeper model's training graph overflows the graph size it gives), got %d", llama.MaxTrainLayers, o.Model.Layers)
	}
	if o.Model.Type != synth.TypeF32 {
		bad("--type: training needs F32 weights")
	}
	if o.Window <= 0 || o.Window%256 != 0 {
		bad("--window must be a positive multiple of 256 (llama.cpp pads its context to that), got %d", o.Window)
	}
	if o.Window > o.Model.Ctx {
		bad("--window %d is longer than the model's context --ctx %d", o.Window, o.Model.Ctx)
	}
	if o.Steps < 0 || (o.Steps == 0 && !(o.Epochs > 0)) {
		bad("give --steps or --epochs above 0")
	}
	if !(o.LR > 0) || o.LR > 0.1 {
		bad("--lr must be above 0 and at most 0.1, got %g", o.LR)
	}
	if o.MinLRRatio < 0 || o.MinLRRatio > 1 {
		bad("--min-lr-ratio must be in [0, 1], got %g", o.MinLRRatio)
	}
	if o.Warmup < 0 {
		bad("--warmup must be at least 0, got %d", o.Warmup)
	}
	if o.WeightDecay < 0 || o.WeightDecay > 1 {
		bad("--weight-decay must be in [0, 1], got %g", o.WeightDecay)
	}
	if !(o.HeldOut > 0) || o.HeldOut > 0.5 {
		bad("--held-out must be above 0 and at most 0.5, got %g", o.HeldOut)
	}
	if o.CheckpointEvery < 0 {
		bad("--checkpoint-every must be at least 0, got %d", o.CheckpointEvery)
	}
	return errors.Join(errs...)
}
