package study

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/study/engine"
	"github.com/calibkit/calibkit/study/plan"
	"github.com/calibkit/calibkit/study/results"
	"github.com/calibkit/calibkit/study/stepcache"
)

// parityBody is the study both engines run: the study's own variants (M,
// L and fp16 by name) with imatrix sources none and a calibration text,
// on the English sample and a Japanese eval set, flash attention off in
// both (their defaults differ).
const parityBody = `imatrix:
  - none
  - {name: en, text: en.raw}
variants: [M, L, fp16]
eval:
  - {name: en, file: en.raw}
  - name: ja
    build: {from: ja.jsonl, bytes: "1500"}
settings:
  ctx: 64
  threads: 2
  flash_attn: "off"
`

// TestEnginesAgree runs one study with the linked engine and with
// llama.cpp's own tools and compares the tables as printed (results.PPLCell,
// the cells of results.md). Where the two runs' quants hold the same bytes
// (the none source: calibkit quantize is byte-identical to llama-quantize
// in this build, docs/quantize.md) the printed cells must be equal. Where
// they differ, the difference is traced to its first cause and bounded:
// llama-imatrix and calibkit's imatrix differ in the last bits (the two
// llama.cpp versions' kernels), which moves a quantized tensor; calibkit
// quantize given llama-imatrix's file must then write llama-quantize's
// bytes, and the PPL and paired ratio must stay well inside the cell's own
// uncertainty. Everything measured on the way is logged.
func TestEnginesAgree(t *testing.T) {
	tools := llamaCpp(t)
	dir, s := fixture(t, parityBody)
	ext, err := engine.NewExternal(tools)
	if err != nil {
		t.Fatal(err)
	}
	linked, err := Run(context.Background(), Options{Spec: s, Dir: filepath.Join(dir, "linked"), Engine: engine.Linked{}})
	if err != nil {
		t.Fatalf("linked: %v %+v", err, linked)
	}
	theirs, err := Run(context.Background(), Options{Spec: s, Dir: filepath.Join(dir, "llama.cpp"), Engine: ext})
	if err != nil {
		t.Fatalf("llama.cpp: %v %+v", err, theirs)
	}
	if len(linked.Records) != 12 || len(theirs.Records) != 12 {
		t.Fatalf("%d and %d records", len(linked.Records), len(theirs.Records))
	}
	storeA := stepcache.Store{Dir: filepath.Join(dir, "linked", "steps")}
	storeB := stepcache.Store{Dir: filepath.Join(dir, "llama.cpp", "steps")}
	entries := func(id string) (a, b string) {
		sa, sb := linked.Plan.Step(id), theirs.Plan.Step(id)
		return storeA.EntryDir(sa.Kind, sa.Key), storeB.EntryDir(sb.Kind, sb.Key)
	}
	sameQuant := map[string]bool{} // quantize step ID: both runs' tensors alike
	for _, st := range linked.Plan.Steps {
		a, b := entries(st.ID)
		switch st.Kind {
		case plan.KindImatrix:
			d, rel := imatrixDiff(t, filepath.Join(a, imatrixFile), filepath.Join(b, imatrixFile))
			t.Logf("%s: %s", st.ID, d)
			if rel > 1e-4 {
				t.Errorf("%s: the two imatrix files differ by %.1e relative, more than the last bits", st.ID, rel)
			}
		case plan.KindQuantize:
			diffs := tensorDiff(t, filepath.Join(a, quantFile), filepath.Join(b, quantFile))
			sameQuant[st.ID] = len(diffs) == 0
			if len(diffs) == 0 {
				t.Logf("%s: quant tensors byte-identical", st.ID)
				if st.Source.Kind == "none" {
					break
				}
			} else {
				t.Logf("%s: quant tensors differ: %s", st.ID, strings.Join(diffs, ", "))
			}
			if st.Source.Kind == "none" {
				t.Errorf("%s: without an imatrix the two quants must be byte-identical", st.ID)
				break
			}
			// The imatrix is the first difference: calibkit quantize given
			// llama-imatrix's file writes llama-quantize's bytes.
			_, bIm := entries(st.Source.Imatrix)
			v := st.Variant
			cross := filepath.Join(dir, strings.NewReplacer(":", "-", "/", "-").Replace(st.ID)+".gguf")
			if _, err := (engine.Linked{}).Quantize(context.Background(), engine.QuantizeJob{Model: tinyModel(t), Imatrix: filepath.Join(bIm, imatrixFile),
				Output: cross, Type: v.Type, OutputTensorType: v.OutputTensorType, TokenEmbeddingType: v.TokenEmbeddingType,
				TensorTypes: v.TensorTypes, LeaveOutputTensor: v.LeaveOutputTensor, Pure: v.Pure, Threads: 2}); err != nil {
				t.Fatal(err)
			}
			if d := tensorDiff(t, cross, filepath.Join(b, quantFile)); len(d) > 0 {
				t.Errorf("%s: calibkit quantize with llama-imatrix's file still differs from llama-quantize: %v", st.ID, d)
			} else {
				t.Logf("%s: calibkit quantize with llama-imatrix's imatrix: byte-identical to llama-quantize's", st.ID)
			}
		}
	}
	ca, cb := results.Compare(linked.Records), results.Compare(theirs.Records)
	for i, a := range linked.Records {
		b := theirs.Records[i]
		var dmax float64
		for j := range min(len(a.ChunkNLL), len(b.ChunkNLL)) {
			dmax = math.Max(dmax, math.Abs(a.ChunkNLL[j]-b.ChunkNLL[j]))
		}
		cellA, _ := results.PPLCell(a, ca)
		cellB, _ := results.PPLCell(b, cb)
		c, err := linked.Plan.Cell(a.Cell)
		if err != nil || a.Cell != b.Cell || len(a.ChunkNLL) != len(b.ChunkNLL) {
			t.Fatalf("%s / %s: %v, %d / %d chunks", a.Cell, b.Cell, err, len(a.ChunkNLL), len(b.ChunkNLL))
		}
		quant := linked.Plan.Step(c.Final()).Deps[0]
		t.Logf("%s: PPL %.4f ± %.4f / %.4f ± %.4f (rel %.1e, %.3f of its error), per-chunk NLL max |Δ| %.1e; printed %q / %q",
			a.Cell, a.PPL, a.PPLError, b.PPL, b.PPLError, math.Abs(a.PPL-b.PPL)/b.PPL, math.Abs(a.PPL-b.PPL)/b.PPLError, dmax, cellA, cellB)
		if sameQuant[quant] {
			if cellA != cellB {
				t.Errorf("%s: the same quant, yet the printed cells differ:\n  linked:    %s\n  llama.cpp: %s", a.Cell, cellA, cellB)
			}
			continue
		}
		// A different quant (the imatrix's last bits): a real difference,
		// required to stay far inside the cell's uncertainty.
		if d := math.Abs(a.PPL - b.PPL); d > 0.1*b.PPLError {
			t.Errorf("%s: PPL %.4f and %.4f differ by %.2f of the error ± %.4f", a.Cell, a.PPL, b.PPL, d/b.PPLError, b.PPLError)
		}
		pa, okA := ca[a.Cell]
		pb, okB := cb[b.Cell]
		if okA != okB {
			t.Errorf("%s: paired in one engine only", a.Cell)
		} else if okA {
			ra, _, _ := pa.PPLRatio()
			rb, loB, hiB := pb.PPLRatio()
			if half := (hiB - loB) / 2; math.Abs(ra-rb) > 0.25*half {
				t.Errorf("%s: ratio ×%.4f and ×%.4f differ by more than a quarter of the interval's half-width %.4f", a.Cell, ra, rb, half)
			}
		}
	}
	var md bytes.Buffer
	if err := results.WriteMarkdown(&md, s.Name, linked.Records); err != nil {
		t.Fatal(err)
	}
	t.Logf("linked engine's table:\n%s", md.String())
}

// imatrixDiff says how two imatrix files differ: their entries, counts and
// the largest relative difference of a sum of squared activations.
func imatrixDiff(t *testing.T, a, b string) (string, float64) {
	t.Helper()
	da, err := imatrix.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	db, err := imatrix.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(da.Entries) != len(db.Entries) || da.ChunkCount != db.ChunkCount {
		return fmt.Sprintf("%d entries, %d chunks vs %d entries, %d chunks", len(da.Entries), da.ChunkCount, len(db.Entries), db.ChunkCount), math.Inf(1)
	}
	var rel float64
	worst, same, values := "", 0, 0
	for i, ea := range da.Entries {
		eb := db.Entries[i]
		if ea.Name != eb.Name || len(ea.Sums) != len(eb.Sums) || fmt.Sprint(ea.Counts) != fmt.Sprint(eb.Counts) {
			return fmt.Sprintf("entry %s (%d values, counts %v) vs %s (%d, %v)", ea.Name, len(ea.Sums), ea.Counts, eb.Name, len(eb.Sums), eb.Counts), math.Inf(1)
		}
		for j, x := range ea.Sums {
			y := eb.Sums[j]
			values++
			if x == y {
				same++
				continue
			}
			if r := math.Abs(float64(x-y)) / math.Max(math.Abs(float64(y)), 1e-30); r > rel {
				rel, worst = r, fmt.Sprintf("%s[%d] %g vs %g", ea.Name, j, x, y)
			}
		}
	}
	if same == values {
		return fmt.Sprintf("imatrix identical (%d entries, %d values, same counts)", len(da.Entries), values), 0
	}
	return fmt.Sprintf("imatrix: %d of %d values differ (same entries and counts), largest relative difference %.1e (%s)", values-same, values, rel, worst), rel
}

// tensorDiff lists the tensors of two GGUF models that hold different
// bytes or types (the metadata differs anyway: the imatrix file's path is
// recorded).
func tensorDiff(t *testing.T, a, b string) []string {
	t.Helper()
	d, err := gguf.Compare(a, b)
	if err != nil {
		t.Fatal(err)
	}
	return d.Tensors()
}
