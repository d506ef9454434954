package llama

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestTaskLogProbs checks the three task log-prob helpers against float64
// log-softmax (to float precision) and the batched softmax against the
// single one (bit for bit).
func TestTaskLogProbs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	row := make([]float32, 5000)
	for i := range row {
		row[i] = float32(r.NormFloat64() * 4)
	}
	toks := []int32{0, 17, 4999, 2500}
	batched := LogProbsSoftmax(row, toks)
	f32 := make([]float32, len(toks))
	rows := make([]int, len(toks))
	if err := LogProbsF32(row, len(row), rows, toks, f32); err != nil {
		t.Fatal(err)
	}
	for k, tok := range toks {
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, float64(v))
		}
		var s float64
		for _, v := range row {
			s += math.Exp(float64(v) - mx)
		}
		want := float64(row[tok]) - mx - math.Log(s)
		one := LogProbSoftmax(row, tok)
		if batched[k] != one {
			t.Errorf("token %d: batched %v, single %v", tok, batched[k], one)
		}
		for name, got := range map[string]float32{"softmax": one, "f32": f32[k], "f32 single": LogProbF32(row, tok)} {
			if math.Abs(float64(got)-want) > 1e-4*math.Max(1, math.Abs(want)) {
				t.Errorf("token %d %s: %v, float64 %v", tok, name, got, want)
			}
		}
	}
	if err := LogProbsF32(row, len(row), []int{1}, []int32{0}, f32); err == nil {
		t.Error("row outside the logits accepted")
	}
}
