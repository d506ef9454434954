package train

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
)

// Result is what a run did and measured.
type Result struct {
	Output string `json:"output"`
	// Steps and Tokens trained; Windows available per epoch.
	Steps   int `json:"steps"`
	Tokens  int `json:"tokens"`
	Windows int `json:"windows"`
	// Loss is each step's mean cross-entropy (nats per token).
	Loss            []float32 `json:"loss"`
	Seconds         float64   `json:"seconds"`
	TokensPerSecond float64   `json:"tokens_per_second"`
	Parameters      int64     `json:"parameters"`
	Files           []File    `json:"files"`
}

// File is one input's share: tokens trained on and held out, and the
// held-out perplexity before and after training: exp of the mean
// cross-entropy over every token of its held-out windows.
type File struct {
	Path          string  `json:"path"`
	TrainTokens   int     `json:"train_tokens"`
	HeldOutTokens int     `json:"held_out_tokens"`
	PPLBefore     float64 `json:"held_out_ppl_before"`
	PPLAfter      float64 `json:"held_out_ppl_after"`
}

// Run trains a model as o says and writes it to o.Output with a manifest.
// Cancelling ctx stops between steps: the last checkpoint stays whole and
// no output is written. A loss that becomes NaN or infinite stops the run
// with the step and learning rate.
func Run(ctx context.Context, o Options) (*Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	srcs, err := readSources(o.Inputs, o.HeldOut)
	if err != nil {
		return nil, err
	}
	mo := o.Model
	mo.VocabText = vocabText(srcs, 256<<10)
	if mo.Name == "" {
		mo.Name = fmt.Sprintf("calibkit train %dL %dd %s-%d seed %d", mo.Layers, mo.Embd, mo.Vocab, mo.VocabSize, mo.Seed)
	}
	dir := filepath.Dir(o.Output)
	tmp, err := os.MkdirTemp(dir, ".calibkit-train-")
	if err != nil {
		return nil, fmt.Errorf("train: output folder: %w", err)
	}
	defer os.RemoveAll(tmp)
	initPath := filepath.Join(tmp, "init.gguf")
	if err := synth.WriteFileContext(ctx, initPath, mo); err != nil {
		return nil, fmt.Errorf("train: initial model: %w", err)
	}
	m, err := llama.LoadModel(initPath, llama.ModelParams{NoMmap: true})
	if err != nil {
		return nil, err
	}
	defer m.Close()

	res := &Result{Output: o.Output, Parameters: mo.ParamCount()}
	// A model with special tokens (a chat template's turn markers) learns
	// them where the text writes them, as the single tokens they are.
	parseSpecial := len(mo.Special) > 0
	var trainWins []window
	heldWins := make([][]window, len(srcs))
	for i, s := range srcs {
		tt, err := m.Tokenize(s.Train, true, parseSpecial)
		if err != nil {
			return nil, fmt.Errorf("train: tokenize %s: %w", s.Path, err)
		}
		ht, err := m.Tokenize(s.HeldOut, true, parseSpecial)
		if err != nil {
			return nil, fmt.Errorf("train: tokenize %s: %w", s.Path, err)
		}
		heldWins[i] = windows(ht, o.Window)
		if len(heldWins[i]) == 0 {
			return nil, fmt.Errorf("train: the held-out share of %s has %d tokens, fewer than one window of %d (+1): give more text, a larger --held-out or a smaller --window", s.Path, len(ht), o.Window)
		}
		trainWins = append(trainWins, windows(tt, o.Window)...)
		res.Files = append(res.Files, File{Path: s.Path, TrainTokens: len(tt), HeldOutTokens: len(heldWins[i]) * o.Window})
	}
	if len(trainWins) == 0 {
		return nil, fmt.Errorf("train: the inputs' training text is too short for one window of %d tokens (+1): give more text or a smaller --window", o.Window)
	}
	res.Windows = len(trainWins)
	steps := o.Steps
	if steps == 0 {
		steps = max(1, int(math.Round(o.Epochs*float64(len(trainWins)))))
	}

	tr, err := llama.NewTrainer(m, llama.TrainParams{NCtx: o.Window, Threads: o.Threads})
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	for i := range srcs {
		if res.Files[i].PPLBefore, err = heldOutPPL(ctx, tr, heldWins[i]); err != nil {
			return nil, err
		}
	}

	ck := checkpointer{path: o.Checkpoint, every: o.CheckpointEvery, model: m, init: initPath, tmp: tmp, opts: o}
	t0 := time.Now()
	var ord []int
	for step := 0; step < steps; step++ {
		if err := ctx.Err(); err != nil {
			return nil, ck.interrupted(step, err)
		}
		epoch, at := step/len(trainWins), step%len(trainWins)
		if at == 0 {
			ord = order(len(trainWins), o.Seed, epoch)
		}
		w := trainWins[ord[at]]
		lr := learningRate(step, steps, min(o.Warmup, steps-1), o.LR, o.MinLRRatio)
		loss, err := tr.Step(w.Tokens, w.Labels, llama.AdamW{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: o.WeightDecay})
		if err != nil {
			return nil, err
		}
		if lossHook != nil {
			loss = lossHook(step, loss)
		}
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return nil, ck.diverged(step, lr, loss)
		}
		res.Loss = append(res.Loss, float32(loss))
		res.Tokens += o.Window
		if err := ck.after(step + 1); err != nil {
			return nil, err
		}
		if o.Progress != nil {
			o.Progress(Progress{Step: step + 1, Steps: steps, Tokens: res.Tokens, Loss: loss, LR: lr,
				TokensPerSecond: float64(res.Tokens) / time.Since(t0).Seconds()})
		}
	}
	res.Steps = steps
	res.TokensPerSecond = float64(res.Tokens) / time.Since(t0).Seconds()
	for i := range srcs {
		if res.Files[i].PPLAfter, err = heldOutPPL(ctx, tr, heldWins[i]); err != nil {
			return nil, err
		}
	}
	raw := filepath.Join(tmp, "trained.gguf")
	if err := m.SaveModel(raw); err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	if err := writeModel(initPath, raw, o.Output, trainKeys(o, res)); err != nil {
		return nil, err
	}
	if err := writeManifest(o, mo, res); err != nil {
		return nil, err
	}
	return res, nil
}

// lossHook, when a test sets it, replaces each step's loss (fault
// injection: a loss that becomes NaN).
var lossHook func(step int, loss float64) float64

// heldOutPPL is exp of the mean cross-entropy over the windows.
func heldOutPPL(ctx context.Context, tr *llama.Trainer, ws []window) (float64, error) {
	var sum float64
	for _, w := range ws {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("train: stopped while scoring the held-out text, nothing written: %w", err)
		}
		l, err := tr.Loss(w.Tokens, w.Labels)
		if err != nil {
			return 0, err
		}
		sum += l
	}
	return math.Exp(sum / float64(len(ws))), nil
}

// checkpointer saves the model every so many steps to a pending file and
// makes it the checkpoint once the next step's loss is finite, so the
// checkpoint is always a model that trains on.
type checkpointer struct {
	path    string
	every   int
	model   *llama.Model
	init    string
	tmp     string
	opts    Options
	pending int // step of the pending save, 0 when none
	good    int // step of the checkpoint under path, 0 when none
}

func (c *checkpointer) pendingPath() string { return filepath.Join(c.tmp, "pending.gguf") }

func (c *checkpointer) after(step int) error {
	if c.path == "" || c.every == 0 {
		return nil
	}
	if c.pending > 0 {
		res := &Result{Steps: c.pending}
		if err := writeModel(c.init, c.pendingPath(), c.path, trainKeys(c.opts, res)); err != nil {
			return fmt.Errorf("train: checkpoint: %w", err)
		}
		c.good, c.pending = c.pending, 0
	}
	if step%c.every == 0 {
		if err := c.model.SaveModel(c.pendingPath()); err != nil {
			return fmt.Errorf("train: checkpoint: %w", err)
		}
		c.pending = step
	}
	return nil
}

func (c *checkpointer) where() string {
	if c.good == 0 {
		return "no checkpoint was written"
	}
	return fmt.Sprintf("the last good checkpoint is %s (after step %d)", c.path, c.good)
}

func (c *checkpointer) diverged(step int, lr float32, loss float64) error {
	return fmt.Errorf("train: the loss became %v at step %d (learning rate %.3g); %s; try a lower --lr or a longer --warmup",
		loss, step+1, lr, c.where())
}

func (c *checkpointer) interrupted(step int, err error) error {
	return fmt.Errorf("train: stopped before step %d, nothing written to %s; %s: %w", step+1, c.opts.Output, c.where(), err)
}
