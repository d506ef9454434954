package imatrix

import (
	"math"
	"testing"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// TestFlashAttnOnOffAgree: the attention path changes only float rounding:
// the same entries and counts, each weight's values within 1e-3 (relative
// L2 distance; f16 has 11 significant bits) and the perplexity within 1e-4
// relative (the paths round the attention probabilities to f16 at
// different points).
func TestFlashAttnOnOffAgree(t *testing.T) {
	m := loadModel(t, synthtest.Model(t, "dense", synth.Default()))
	var data [2]*Data
	var res [2]*Result
	for i, fa := range []llama.FlashAttn{llama.FlashAttnOn, llama.FlashAttnOff} {
		c := NewCollector(CollectorOptions{ChunkSize: 64})
		res[i] = run(t, m, c, synthtest.Text(30), ComputeOptions{NCtx: 64, NBatch: 128, Chunks: 4, FlashAttn: fa})
		data[i] = c.Data("calib.txt")
	}
	if math.Abs(res[0].PPL-res[1].PPL) > 1e-4*res[0].PPL {
		t.Errorf("PPL %v with -fa on, %v off", res[0].PPL, res[1].PPL)
	}
	if len(data[0].Entries) != len(data[1].Entries) {
		t.Fatalf("%d entries with -fa on, %d off", len(data[0].Entries), len(data[1].Entries))
	}
	worst := 0.0
	for k, a := range data[0].Entries {
		b := data[1].Entries[k]
		if a.Name != b.Name || a.Counts[0] != b.Counts[0] {
			t.Fatalf("entry %d: %s/%v with -fa on, %s/%v off", k, a.Name, a.Counts, b.Name, b.Counts)
		}
		// per weight, the relative L2 distance (single values near the
		// bottom of a weight's range move more)
		var num, den float64
		for j, v := range a.Sums {
			d := float64(v - b.Sums[j])
			num += d * d
			den += float64(v) * float64(v)
		}
		worst = max(worst, math.Sqrt(num/den))
	}
	if worst > 1e-3 {
		t.Errorf("largest relative L2 distance of a weight's values between -fa on and off: %g", worst)
	}
	t.Logf("largest relative L2 distance -fa on/off: %g; PPL %v / %v", worst, res[0].PPL, res[1].PPL)
}
