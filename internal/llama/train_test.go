package llama

import (
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// trainWindow tokenizes the test prose into one window of n tokens and its
// labels (the next token of each).
func trainWindow(t *testing.T, m *Model, n int) (tokens, labels []int32) {
	t.Helper()
	toks, err := m.Tokenize(synthtest.Text(40), true, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) < n+1 {
		t.Fatalf("test text has %d tokens, want %d", len(toks), n+1)
	}
	return toks[:n], toks[1 : n+1]
}

func newTestTrainer(t *testing.T, o synth.Options) (*Model, *Trainer) {
	t.Helper()
	path := synthtest.Model(t, "train-"+o.Name, o)
	m, err := LoadModel(path, ModelParams{NoMmap: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	tr, err := NewTrainer(m, TrainParams{NCtx: 256, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	return m, tr
}

// TestTrainGradientsMatchFiniteDifferences checks the gradient of every kind
// of trained tensor against central differences of the loss, on the
// weights with the largest gradients: a wrong sign, a zeroed gradient or
// one computed from overwritten inputs fails.
func TestTrainGradientsMatchFiniteDifferences(t *testing.T) {
	o := synth.Default()
	o.Name = "gradcheck"
	o.FF = 96 // rows that are no multiple of 32 or 256
	m, tr := newTestTrainer(t, o)
	tokens, labels := trainWindow(t, m, 256)

	names := []string{
		"blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight", "blk.0.attn_output.weight",
		"blk.0.ffn_gate.weight", "blk.0.ffn_up.weight", "blk.0.ffn_down.weight",
		"blk.0.attn_norm.weight", "blk.0.ffn_norm.weight",
		"blk.1.attn_k.weight", "blk.1.attn_v.weight", "blk.1.attn_norm.weight",
		"output_norm.weight", "output.weight",
	}
	grads, loss0, err := tr.Gradients(tokens, labels, names)
	if err != nil {
		t.Fatal(err)
	}
	if math.IsNaN(loss0) || loss0 < 1 {
		t.Fatalf("loss %v of a random model", loss0)
	}
	// A second step on the same window must give the same gradients, not
	// their sum (ggml-opt never clears its accumulators by itself here).
	again, _, err := tr.Gradients(tokens, labels, names[:1])
	if err != nil {
		t.Fatal(err)
	}
	g0, g1 := grads[names[0]], again[names[0]]
	for i := range g0 {
		if math.Abs(float64(g1[i]-g0[i])) > 1e-4*math.Abs(float64(g0[i]))+1e-9 {
			t.Fatalf("%s: second step's gradient %g, first %g at %d: accumulated, not fresh", names[0], g1[i], g0[i], i)
		}
	}

	for _, name := range names {
		g := grads[name]
		w, err := tr.Weights(name)
		if err != nil {
			t.Fatal(err)
		}
		idx := make([]int, len(g))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return math.Abs(float64(g[idx[a]])) > math.Abs(float64(g[idx[b]])) })
		if g[idx[0]] == 0 {
			t.Errorf("%s: every gradient is zero", name)
			continue
		}
		for _, i := range idx[:3] {
			// Steps large enough that float32 rounding of the loss
			// (about 1e-6) stays far below the difference measured.
			h := float32(2e-3)
			if strings.Contains(name, "norm") {
				h = 1e-2
			}
			lossAt := func(v float32) float64 {
				if err := tr.SetWeight(name, i, v); err != nil {
					t.Fatal(err)
				}
				l, err := tr.Loss(tokens, labels)
				if err != nil {
					t.Fatal(err)
				}
				return l
			}
			lp, lm := lossAt(w[i]+h), lossAt(w[i]-h)
			if err := tr.SetWeight(name, i, w[i]); err != nil {
				t.Fatal(err)
			}
			fd := (lp - lm) / float64(2*h)
			an := float64(g[i])
			if math.Abs(fd-an) > 0.1*math.Abs(an)+1e-6 {
				t.Errorf("%s[%d]: gradient %.6g, finite difference %.6g (h %g)", name, i, an, fd, h)
			} else {
				t.Logf("%s[%d]: gradient %.6g, finite difference %.6g", name, i, an, fd)
			}
		}
	}
}

// TestTrainLowersLoss trains on one window for a few steps: the loss must
// fall well below a random model's.
func TestTrainLowersLoss(t *testing.T) {
	o := synth.Default()
	o.Name = "lowers"
	m, tr := newTestTrainer(t, o)
	tokens, labels := trainWindow(t, m, 256)
	first, err := tr.Loss(tokens, labels)
	if err != nil {
		t.Fatal(err)
	}
	var last float64
	for i := range 30 {
		l, err := tr.Step(tokens, labels, AdamW{LR: 3e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && math.Abs(l-first) > 1e-4 {
			t.Errorf("first step's loss %v, forward loss %v", l, first)
		}
		last = l
	}
	after, err := tr.Loss(tokens, labels)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loss %.4f → %.4f (last step %.4f)", first, after, last)
	if !(after < 0.6*first) {
		t.Errorf("loss %.4f → %.4f after 30 steps on one window", first, after)
	}
}

// TestNewTrainerRefuses checks the models a Trainer cannot train: they get
// an error naming what is supported, never an abort.
func TestNewTrainerRefuses(t *testing.T) {
	deep := synth.Default()
	deep.Layers, deep.Name = 7, "deep"
	moe := synth.Default()
	moe.Experts, moe.ExpertsUsed, moe.Name = 4, 2, "moe"
	for _, c := range []struct {
		o    synth.Options
		p    TrainParams
		want string
	}{
		{deep, TrainParams{NCtx: 256}, "up to 6 layers"},
		{moe, TrainParams{NCtx: 256}, "dense llama models only"},
		{synth.Default(), TrainParams{NCtx: 300}, "multiple of 256"},
	} {
		m, err := LoadModel(synthtest.Model(t, "refuse-"+c.o.Name, c.o), ModelParams{NoMmap: true})
		if err != nil {
			t.Fatal(err)
		}
		_, err = NewTrainer(m, c.p)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.o.Name, err, c.want)
		}
		m.Close()
	}
}
