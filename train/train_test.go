package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/sample"
)

func TestLearningRate(t *testing.T) {
	cases := []struct {
		step, steps, warmup int
		want                float32
	}{
		{0, 100, 10, 0.1}, {9, 100, 10, 1}, {10, 100, 10, 1}, {99, 100, 10, 0.1}, {0, 1, 0, 1},
	}
	for _, c := range cases {
		if got := learningRate(c.step, c.steps, c.warmup, 1, 0.1); math.Abs(float64(got-c.want)) > 1e-6 {
			t.Errorf("learningRate(%d, %d, %d) = %v, want %v", c.step, c.steps, c.warmup, got, c.want)
		}
	}
}

// TestRunLearns trains a small model briefly on the bundled Wikipedia
// text: the held-out perplexity of both languages must fall well below a
// random model's, and the output must be a whole model with synth's
// metadata (llama.context_length restored), a manifest and nothing left
// behind.
func TestRunLearns(t *testing.T) {
	dir := t.TempDir()
	texts, err := sample.WikiTexts(filepath.Join(dir, "wiki"))
	if err != nil {
		t.Fatal(err)
	}
	o := Defaults()
	o.Model.Embd, o.Model.FF = 128, 256
	o.Inputs = []string{texts["train-ja"], texts["train-en"]}
	o.Output = filepath.Join(dir, "model.gguf")
	o.Steps, o.LR, o.Warmup, o.Threads = 60, 3e-3, 5, 2
	o.Checkpoint, o.CheckpointEvery = filepath.Join(dir, "ckpt.gguf"), 20
	var seen int
	o.Progress = func(p Progress) { seen = p.Step }
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if seen != 60 || r.Steps != 60 || len(r.Loss) != 60 || r.Tokens != 60*256 {
		t.Errorf("progress to step %d, result %d steps, %d losses, %d tokens", seen, r.Steps, len(r.Loss), r.Tokens)
	}
	for _, f := range r.Files {
		t.Logf("%s: %d tokens trained, %d held out, held-out PPL %.1f → %.1f", filepath.Base(f.Path), f.TrainTokens, f.HeldOutTokens, f.PPLBefore, f.PPLAfter)
		if !(f.PPLAfter < f.PPLBefore/3) {
			t.Errorf("%s: held-out PPL %.1f → %.1f", f.Path, f.PPLBefore, f.PPLAfter)
		}
	}
	t.Logf("%d windows, %.0f tok/s, %.1fs", r.Windows, r.TokensPerSecond, r.Seconds)
	g, err := gguf.Open(o.Output)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if n, err := g.Uint("llama.context_length"); err != nil || n != uint64(o.Model.Ctx) {
		t.Errorf("llama.context_length %d %v, want %d", n, err, o.Model.Ctx)
	}
	if n, err := g.Uint("calibkit.train.steps"); err != nil || n != 60 {
		t.Errorf("calibkit.train.steps %d %v", n, err)
	}
	m, err := manifest.Read(manifest.Path(o.Output))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Inputs) != 2 || m.Parameters["steps"] != float64(60) || len(m.Extra["loss_curve"].([]any)) != 60 {
		t.Errorf("manifest %+v", m)
	}
	if _, err := gguf.Open(o.Checkpoint); err != nil {
		t.Errorf("checkpoint: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 4 { // wiki, model.gguf, its manifest, ckpt.gguf
		t.Errorf("folder holds %v", names)
	}
}

func TestRunStopsWhenCancelled(t *testing.T) {
	o := tinyRun(t, 50)
	ctx, cancel := context.WithCancel(context.Background())
	o.Progress = func(p Progress) {
		if p.Step == 7 {
			cancel()
		}
	}
	_, err := Run(ctx, o)
	if err == nil || !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped before step 8") || !strings.Contains(err.Error(), "after step 6") {
		t.Fatalf("error %v", err)
	}
	checkStopped(t, o, 6)
}

// TestRunStopsOnNaN makes the loss of step 8 NaN: the run stops naming the
// step and learning rate, writes no output, and keeps the checkpoint of
// step 6 (the one of step 8 was never promoted).
func TestRunStopsOnNaN(t *testing.T) {
	o := tinyRun(t, 20)
	o.Warmup = 0
	lossHook = func(step int, loss float64) float64 {
		if step == 7 {
			return math.NaN()
		}
		return loss
	}
	defer func() { lossHook = nil }()
	_, err := Run(context.Background(), o)
	for _, want := range []string{"the loss became NaN at step 8", "(learning rate 0.000731)", "after step 6", "try a lower --lr"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	checkStopped(t, o, 6)
}

func TestRunUnwritableOutput(t *testing.T) {
	dir := t.TempDir()
	texts, err := sample.WikiTexts(filepath.Join(dir, "wiki"))
	if err != nil {
		t.Fatal(err)
	}
	o := Defaults()
	o.Inputs, o.Output, o.Steps = []string{texts["train-en"]}, filepath.Join(dir, "no", "such", "m.gguf"), 1
	if _, err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "output folder") || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("error %v", err)
	}
}

// tinyRun returns the options of a short run of a tiny model on the English
// training text, checkpointing every 2 steps, in a fresh folder.
func tinyRun(t *testing.T, steps int) Options {
	t.Helper()
	dir := t.TempDir()
	texts, err := sample.WikiTexts(filepath.Join(dir, "wiki"))
	if err != nil {
		t.Fatal(err)
	}
	o := Defaults()
	o.Model.Embd, o.Model.FF = 64, 128
	o.Inputs, o.Output, o.Steps, o.Threads = []string{texts["train-en"]}, filepath.Join(dir, "m.gguf"), steps, 2
	o.Checkpoint, o.CheckpointEvery = filepath.Join(dir, "ckpt.gguf"), 2
	return o
}

// checkStopped checks that a run that stopped wrote no output and kept the
// checkpoint of step want.
func checkStopped(t *testing.T, o Options, want uint64) {
	t.Helper()
	if _, err := os.Stat(o.Output); err == nil {
		t.Error("output written by a run that stopped")
	}
	g, err := gguf.Open(o.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if n, _ := g.Uint("calibkit.train.steps"); n != want {
		t.Errorf("checkpoint after step %d, want %d", n, want)
	}
}
