package study

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
	"github.com/calibkit/calibkit/study/plan"
	"github.com/calibkit/calibkit/study/spec"
	"github.com/calibkit/calibkit/study/stepcache"
	"github.com/calibkit/calibkit/study/studytest"
)

// TestVariantTensorTypesFirst runs a study whose variant puts
// tensor_types: ["ffn_down=f16"] on Q4_0 for a model with feed-forward
// rows of 172 values, which Q4_0 cannot hold: the override is applied
// first, as llama-quantize applies it, so the variant quantizes (ffn_down
// in F16) and its perplexity is measured, with and without an imatrix.
func TestVariantTensorTypesFirst(t *testing.T) {
	o := synth.Default()
	o.FF = 172
	model := synthtest.Model(t, "ff172", o)
	dir := t.TempDir()
	if err := studytest.WriteInputs(dir); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "study.yaml")
	os.WriteFile(p, []byte(`name: ff172
model: `+model+`
imatrix:
  - none
  - {name: en, text: en.raw}
variants:
  - {name: q4ffn, type: Q4_0, tensor_types: ["ffn_down=f16"]}
eval:
  - {name: en, file: en.raw}
settings:
  ctx: 64
  threads: 2
`), 0o644)
	s, err := spec.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Options{Spec: s, Dir: filepath.Join(dir, "out")})
	if err != nil {
		t.Fatalf("%v %+v", err, res)
	}
	if len(res.Records) != 2 {
		t.Fatalf("%d records, want 2", len(res.Records))
	}
	for _, r := range res.Records {
		if r.PPL <= 1 || r.QuantBytes == 0 || r.Variant != "q4ffn" {
			t.Errorf("record %s: %+v", r.Cell, r)
		}
	}
	store := stepcache.Store{Dir: filepath.Join(dir, "out", "steps")}
	n := 0
	for _, st := range res.Plan.Steps {
		if st.Kind != plan.KindQuantize {
			continue
		}
		n++
		r, err := gguf.Open(filepath.Join(store.EntryDir(st.Kind, st.Key), quantFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, ti := range r.Tensors {
			want := gguf.TensorQ4_0
			switch {
			case len(ti.Shape) < 2 || ti.Shape[1] == 1:
				want = gguf.TensorF32
			case ti.Name == "blk.0.ffn_down.weight" || ti.Name == "blk.1.ffn_down.weight":
				want = gguf.TensorF16
			case ti.Name == "output.weight":
				want = gguf.TensorQ8_0 // rows of 64: Q6_K falls back to Q8_0
			}
			if ti.Type != want {
				t.Errorf("%s: %s is %v, want %v", st.ID, ti.Name, ti.Type, want)
			}
		}
		r.Close()
	}
	if n != 2 {
		t.Errorf("%d quantize steps, want 2", n)
	}
}
