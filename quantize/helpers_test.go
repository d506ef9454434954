package quantize

import (
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// The test models, written once per test binary: "wide" has rows of 256
// and 512 (k-quants apply), "odd" rows of 320 and 488 (k-quants fall back
// to Q5_0/Q5_1/Q8_0/IQ4_NL, and ffn_down's 488 even to F16), "ff172" F32
// rows of 256 and 172 (ffn_down's rows fit no quantized type).
func testModelOptions(kind string) synth.Options {
	o := synth.Default()
	o.Layers = 2
	switch kind {
	case "wide":
		o.Embd, o.FF, o.Type, o.VocabSize = 256, 512, synth.TypeF16, 512
	case "odd":
		o.Embd, o.FF, o.VocabSize = 320, 488, 512
	case "moe":
		o.Embd, o.FF, o.Experts, o.ExpertsUsed, o.VocabSize = 256, 256, 4, 2, 512
	case "ff172":
		o.Embd, o.FF, o.VocabSize = 256, 172, 512
	case "tiny":
	}
	return o
}

func testModel(t testing.TB, kind string) string {
	t.Helper()
	return synthtest.Model(t, kind, testModelOptions(kind))
}

func TestMain(m *testing.M) { synthtest.Main(m) }

// fakeImatrix returns an importance matrix with one entry per weight that
// llama-imatrix would collect from the model (every quantizable weight but
// token_embd.weight and output.weight), with random positive sums.
func fakeImatrix(t testing.TB, modelPath string, seed uint64) *imatrix.Data {
	t.Helper()
	r, err := gguf.Open(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rng := rand.New(rand.NewPCG(seed, 7))
	d := &imatrix.Data{Datasets: []string{"fake.txt"}, ChunkCount: 3, ChunkSize: 128}
	for _, ti := range r.Tensors {
		tt := tensor{Name: ti.Name, Shape: ti.Shape, Type: ti.Type}
		if !quantizable(tt, false) || ti.Name == "token_embd.weight" || ti.Name == "output.weight" {
			continue
		}
		nmat := int(tt.ne(2)) // experts
		e := &imatrix.Entry{Name: ti.Name, Cols: int(ti.Shape[0]), Counts: make([]int64, nmat)}
		for j := range e.Counts {
			e.Counts[j] = int64(384 * (j + 1))
		}
		e.Sums = make([]float32, e.Cols*nmat)
		for i := range e.Sums {
			e.Sums[i] = float32(rng.ExpFloat64() * 384)
		}
		d.Entries = append(d.Entries, e)
	}
	sort.Slice(d.Entries, func(i, j int) bool { return d.Entries[i].Name < d.Entries[j].Name })
	return d
}

func writeImatrix(t testing.TB, d *imatrix.Data, path string, f imatrix.Format) string {
	t.Helper()
	if err := imatrix.WriteFile(path, d, f); err != nil {
		t.Fatal(err)
	}
	return path
}
