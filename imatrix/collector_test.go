package imatrix

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
)

// fakeMatMul is an Activation in plain Go: a MUL_MAT (ids nil) or a
// MUL_MAT_ID over rows[plane][row][col].
type fakeMatMul struct {
	weight string
	wshape [4]int64
	rows   [][][]float32 // [i2][i1] → columns
	ids    [][]int32     // MUL_MAT_ID: [token][slot] → expert
	f16    bool
}

func (f *fakeMatMul) Indirect() bool        { return f.ids != nil }
func (f *fakeMatMul) Weight() string        { return f.weight }
func (f *fakeMatMul) WeightShape() [4]int64 { return f.wshape }
func (f *fakeMatMul) F32() bool             { return !f.f16 }
func (f *fakeMatMul) Shape() [4]int64 {
	return [4]int64{int64(len(f.rows[0][0])), int64(len(f.rows[0])), int64(len(f.rows)), 1}
}

func (f *fakeMatMul) Accumulate(sq, sum []float32, counts []int64) error {
	cols := len(f.rows[0][0])
	add := func(m int, x []float32) {
		for j, v := range x {
			sq[m*cols+j] += v * v
			if sum != nil {
				sum[m*cols+j] += v
			}
		}
	}
	if f.ids == nil {
		for i2, plane := range f.rows {
			for _, x := range plane {
				add(i2%int(f.wshape[2]), x)
			}
		}
	} else {
		for slot := range f.ids[0] {
			for tok, ids := range f.ids {
				counts[ids[slot]]++
				add(int(ids[slot]), f.rows[tok][slot%len(f.rows[tok])])
			}
		}
	}
	for _, v := range sq {
		if math.IsInf(float64(v), 0) || math.IsNaN(float64(v)) {
			return fmt.Errorf("non-finite activation sums in %s", f.weight)
		}
	}
	return nil
}

func denseAct(name string, tokens, cols int, val float32) *fakeMatMul {
	plane := make([][]float32, tokens)
	for i := range plane {
		plane[i] = make([]float32, cols)
		for j := range plane[i] {
			plane[i][j] = val * float32(j+1)
		}
	}
	return &fakeMatMul{weight: name, wshape: [4]int64{int64(cols), 8, 1, 1}, rows: [][][]float32{plane}}
}

func TestWant(t *testing.T) {
	tests := []struct {
		name string
		a    Activation
		proc bool
		want bool
	}{
		{"block weight", denseAct("blk.0.attn_q.weight", 16, 4, 1), false, true},
		{"decorated", denseAct("CPU#blk.3.ffn_up.weight#0", 16, 4, 1), false, true},
		{"small ubatch", denseAct("blk.0.attn_q.weight", 15, 4, 1), false, false},
		{"not f32", &fakeMatMul{weight: "blk.0.attn_q.weight", wshape: [4]int64{4, 4, 1, 1}, rows: denseAct("x", 16, 4, 1).rows, f16: true}, false, false},
		{"output", denseAct("output.weight", 16, 4, 1), false, false},
		{"output asked", denseAct("output.weight", 16, 4, 1), true, true},
		{"other", denseAct("token_embd.weight", 16, 4, 1), true, false},
		{"experts always", &fakeMatMul{weight: "x", ids: [][]int32{{0}}, rows: [][][]float32{{{1}}}}, false, true},
	}
	for _, tt := range tests {
		c := NewCollector(CollectorOptions{ChunkSize: 16, ProcessOutput: tt.proc})
		if got := c.Want(tt.a); got != tt.want {
			t.Errorf("%s: Want = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestFilterName(t *testing.T) {
	for in, want := range map[string]string{
		"blk.0.attn_k.weight":         "blk.0.attn_k.weight",
		"CUDA0#blk.0.attn_k.weight#0": "blk.0.attn_k.weight",
		"CUDA0#blk.0.attn_k.weight":   "blk.0.attn_k.weight",
		"#output.weight#":             "output.weight",
	} {
		if got := FilterName(in); got != want {
			t.Errorf("FilterName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCommitDiscardAndCounts(t *testing.T) {
	c := NewCollector(CollectorOptions{ChunkSize: 16})
	if err := c.Observe(denseAct("blk.0.attn_q.weight", 16, 3, 1)); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 0 || c.ChunkCount() != 0 {
		t.Fatal("observed data counted before Commit")
	}
	c.Commit()
	c.Observe(denseAct("blk.0.attn_q.weight", 16, 3, 100))
	c.Discard() // an interrupted decode leaves nothing
	c.Observe(denseAct("blk.0.attn_q.weight", 16, 3, 2))
	c.Commit()
	d := c.Data("t.txt")
	e := d.Entries[0]
	// column j holds 16·(j+1)²·(1² + 2²)
	for j, v := range e.Sums {
		if want := float32(16 * (j + 1) * (j + 1) * 5); v != want {
			t.Errorf("column %d: %g, want %g", j, v, want)
		}
	}
	if e.Counts[0] != 32 || d.ChunkCount != 2 || d.ChunkSize != 16 || d.Datasets[0] != "t.txt" {
		t.Errorf("counts %v, %d chunks of %d, datasets %v", e.Counts, d.ChunkCount, d.ChunkSize, d.Datasets)
	}
}

func TestExpertsCounted(t *testing.T) {
	c := NewCollector(CollectorOptions{ChunkSize: 2})
	// 3 tokens, 2 slots each, 4 experts, 2 columns; src1 has one row per slot
	rows := [][][]float32{{{1, 1}, {2, 2}}, {{3, 3}, {4, 4}}, {{5, 5}, {6, 6}}}
	a := &fakeMatMul{weight: "blk.0.ffn_up_exps.weight", wshape: [4]int64{2, 8, 4, 1}, rows: rows,
		ids: [][]int32{{0, 1}, {1, 2}, {0, 2}}}
	if err := c.Observe(a); err != nil {
		t.Fatal(err)
	}
	c.Commit()
	e := c.Data("").Entries[0]
	if fmt.Sprint(e.Counts) != "[2 2 2 0]" || e.Cols != 2 {
		t.Fatalf("counts %v cols %d", e.Counts, e.Cols)
	}
	// expert 0: 1²+5², expert 1: 2²+3², expert 2: 4²+6²
	if fmt.Sprint(e.Sums) != "[26 26 13 13 52 52 0 0]" {
		t.Errorf("sums %v", e.Sums)
	}
	if c.ChunkCount() != 1 {
		t.Errorf("chunk count %d", c.ChunkCount())
	}
}

func TestAddFollowsInFileRules(t *testing.T) {
	c := NewCollector(CollectorOptions{ChunkSize: 4})
	// a legacy file: one count for a MoE weight, values for 2 experts × 2 columns
	old := &Data{Datasets: []string{"old.txt"}, Entries: []*Entry{
		{Name: "blk.0.ffn_up_exps.weight", Cols: 4, Sums: []float32{1, 1, 1, 1}, Counts: []int64{8}},
		{Name: "blk.0.attn_q.weight", Cols: 2, Sums: []float32{1, 2}, Counts: []int64{8}},
	}}
	if err := c.Add(old); err != nil {
		t.Fatal(err)
	}
	newer := &Data{Datasets: []string{"new.txt"}, Entries: []*Entry{
		{Name: "blk.0.ffn_up_exps.weight", Cols: 2, Sums: []float32{1, 1, 1, 1}, Counts: []int64{4, 0}},
	}}
	if err := c.Add(newer); err != nil {
		t.Fatal(err)
	}
	d := c.Data("run.txt")
	if fmt.Sprint(d.Datasets) != "[old.txt new.txt run.txt]" {
		t.Errorf("datasets %v", d.Datasets)
	}
	e := d.Entries[1]
	if e.Name != "blk.0.ffn_up_exps.weight" || fmt.Sprint(e.Counts) != "[12 8]" || e.Cols != 2 || fmt.Sprint(e.Sums) != "[2 2 2 2]" {
		t.Errorf("broadcast entry %+v", e)
	}
	if d.ChunkCount != 3 {
		t.Errorf("chunk count %d, want 12/4", d.ChunkCount)
	}
	// collecting onto loaded data: sizes must agree
	if err := c.Observe(denseAct("blk.0.attn_q.weight", 16, 3, 1)); err == nil || !strings.Contains(err.Error(), "inconsistent size") {
		t.Errorf("3 columns onto 2: %v", err)
	}
	bad := &Data{Entries: []*Entry{{Name: "blk.0.attn_q.weight", Cols: 3, Sums: []float32{1, 2, 3}, Counts: []int64{1}}}}
	if err := c.Add(bad); err == nil || !strings.Contains(err.Error(), "mismatched sums size") {
		t.Errorf("mismatched file: %v", err)
	}
	if err := c.Add(&Data{Entries: []*Entry{{Name: "x", Cols: 1, Sums: []float32{float32(math.NaN())}, Counts: []int64{1}}}}); err == nil {
		t.Error("NaN sums accepted")
	}
}

func TestObserveNonFiniteNamesChunk(t *testing.T) {
	c := NewCollector(CollectorOptions{ChunkSize: 16})
	c.SetChunks("5-8")
	err := c.Observe(denseAct("blk.2.ffn_down.weight", 16, 2, 1e30))
	if err == nil || !strings.Contains(err.Error(), "chunk 5-8") || !strings.Contains(err.Error(), "blk.2.ffn_down.weight") {
		t.Errorf("err = %v", err)
	}
	if errors.Unwrap(err) == nil {
		t.Error("error does not wrap the cause")
	}
}

func ExampleCollector() {
	c := NewCollector(CollectorOptions{ChunkSize: 16})
	// an evaluation hook calls Want, then Observe, for each multiplication
	a := denseAct("blk.0.attn_q.weight", 16, 2, 1)
	if c.Want(a) {
		if err := c.Observe(a); err != nil {
			panic(err)
		}
	}
	c.Commit() // the decode finished: the chunk counts
	d := c.Data("calibration.txt")
	fmt.Println(d.ChunkCount, d.Entries[0].Name, d.Entries[0].Sums, d.Entries[0].Counts)
	// Output: 1 blk.0.attn_q.weight [16 64] [16]
}
