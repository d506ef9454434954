package train

import (
	"context"
	"math"
	"path/filepath"
	"testing"

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

func TestRunLearns(t *testing.T) {
	dir := t.TempDir()
	texts, err := sample.WikiTexts(dir)
	if err != nil {
		t.Fatal(err)
	}
	o := Defaults()
	o.Inputs = []string{texts["train-ja"], texts["train-en"]}
	o.Output = filepath.Join(dir, "model.gguf")
	o.Steps = 400
	o.LR = 2e-3
	o.Threads = 2
	o.Progress = func(p Progress) {
		if p.Step%50 == 0 {
			t.Logf("step %d/%d loss %.3f lr %.2g %.0f tok/s", p.Step, p.Steps, p.Loss, p.LR, p.TokensPerSecond)
		}
	}
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Files {
		t.Logf("%s: %d tokens trained, held-out PPL %.1f → %.1f", filepath.Base(f.Path), f.TrainTokens, f.PPLBefore, f.PPLAfter)
	}
	t.Logf("%d windows, %.0f tok/s, %.1fs", r.Windows, r.TokensPerSecond, r.Seconds)
}
