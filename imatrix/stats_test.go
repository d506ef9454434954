package imatrix

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }

func TestSplitName(t *testing.T) {
	for _, tc := range []struct {
		name  string
		layer int
		kind  string
	}{
		{"blk.12.attn_q.weight", 12, "attn_q"},
		{"blk.0.ffn_down_exps.weight", 0, "ffn_down_exps"},
		{"output.weight", -1, "output"},
		{"v.blk.3.attn_k.weight", 3, "v.attn_k"},
		{"blk.x.attn_q.weight", -1, "blk.x.attn_q"},
		{"ablk.1.w", -1, "ablk.1.w"},
		{"blk.1", -1, "blk.1"},
	} {
		l, k := SplitName(tc.name)
		if l != tc.layer || k != tc.kind {
			t.Errorf("SplitName(%q) = %d, %q; want %d, %q", tc.name, l, k, tc.layer, tc.kind)
		}
	}
}

func TestComputeStats(t *testing.T) {
	d := &Data{Datasets: []string{"x"}, ChunkCount: 1, ChunkSize: 512, Entries: []*Entry{
		{Name: "blk.0.attn_q.weight", Cols: 4, Sums: []float32{4, 0, 2, 2}, Counts: []int64{2}},
		{Name: "blk.1.attn_q.weight", Cols: 4, Sums: []float32{2, 0, 1, 1}, Counts: []int64{1}},
		{Name: "blk.1.ffn_up_exps.weight", Cols: 2, Sums: []float32{0, 0, 4, 8}, Counts: []int64{0, 4}},
		{Name: "output.weight", Cols: 2, Sums: []float32{1, 1}, Counts: []int64{1}},
	}}
	s := ComputeStats(d, StatsOptions{TopK: 2})
	names := []string{}
	for _, w := range s.Weights {
		names = append(names, w.Name)
	}
	if want := []string{"blk.0.attn_q.weight", "blk.1.attn_q.weight", "blk.1.ffn_up_exps.weight", "output.weight"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("order %q", names)
	}
	q0 := s.Weights[0]
	// v = [2, 0, 1, 1]: p = [.5, 0, .25, .25], H = 1.5 ln 2, normalized by ln 4.
	if q0.Layer != 0 || q0.Kind != "attn_q" || q0.Columns != 4 || q0.Values != 4 || q0.Count != 2 ||
		q0.SumMeanSquares != 4 || q0.Mean != 1 || q0.Max != 2 || q0.NearZero != 0.25 || !near(q0.Entropy, 0.75) {
		t.Errorf("blk.0.attn_q: %+v", q0)
	}
	if q0.CosinePrevLayer != nil {
		t.Errorf("layer 0 has no previous layer, got cosine %v", *q0.CosinePrevLayer)
	}
	if want := []Column{{0, 0, 2}, {0, 2, 1}}; !reflect.DeepEqual(q0.Top, want) {
		t.Errorf("top %v, want %v", q0.Top, want)
	}
	q1 := s.Weights[1]
	if q1.CosinePrevLayer == nil || !near(*q1.CosinePrevLayer, 1) {
		t.Errorf("blk.1.attn_q cosine with blk.0: %v", q1.CosinePrevLayer)
	}
	moe := s.Weights[2]
	if moe.Experts != 2 || moe.ExpertsWithoutData != 1 || moe.Values != 2 || moe.Count != 4 || moe.SumMeanSquares != 3 ||
		moe.Max != 2 || moe.CosinePrevLayer != nil {
		t.Errorf("moe: %+v", moe)
	}
	if want := []Column{{1, 1, 2}, {1, 0, 1}}; !reflect.DeepEqual(moe.Top, want) {
		t.Errorf("moe top %v", moe.Top)
	}
	out := s.Weights[3]
	if out.Layer != -1 || out.Kind != "output" || out.Entropy != 1 {
		t.Errorf("output: %+v", out)
	}

	if len(s.Layers) != 2 {
		t.Fatalf("layers %+v", s.Layers)
	}
	l1 := s.Layers[1]
	// Layer 1 values: [2, 0, 1, 1] and [1, 2].
	vals := []float64{2, 0, 1, 1, 1, 2}
	h := 0.0
	for _, v := range vals {
		if v > 0 {
			h -= v / 7 * math.Log(v/7)
		}
	}
	if l1.Layer != 1 || l1.Weights != 2 || l1.Columns != 6 || l1.Values != 6 || l1.Count != 5 || l1.SumMeanSquares != 7 ||
		l1.Max != 2 || !near(l1.NearZero, 1.0/6) || !near(l1.Entropy, h/math.Log(6)) {
		t.Errorf("layer 1: %+v (want entropy %v)", l1, h/math.Log(6))
	}
	if l1.CosinePrevLayer == nil || !near(*l1.CosinePrevLayer, 1) {
		t.Errorf("layer 1 cosine %v", l1.CosinePrevLayer)
	}
	if s.Layers[0].CosinePrevLayer != nil {
		t.Error("layer 0 has a cosine")
	}
}

// TestComputeStatsDegenerate feeds what crashes llama.cpp's statistics: a
// one-layer model, experts without data, zero columns, an all-zero weight.
func TestComputeStatsDegenerate(t *testing.T) {
	d := &Data{Entries: []*Entry{
		{Name: "blk.0.attn_q.weight", Cols: 3, Sums: []float32{0, 0, 0}, Counts: []int64{5}},
		{Name: "blk.0.ffn_up_exps.weight", Cols: 2, Sums: []float32{0, 0, 0, 0}, Counts: []int64{0, 0}},
		{Name: "blk.0.ffn_down.weight", Cols: 1, Sums: []float32{3}, Counts: []int64{1}},
		{Name: "blk.1.attn_q.weight", Cols: 3, Sums: []float32{0, 0, 1}, Counts: []int64{1}},
	}}
	s := ComputeStats(d, StatsOptions{TopK: 5})
	b, err := json.Marshal(s) // fails on NaN or Inf
	if err != nil {
		t.Fatal(err)
	}
	var round Stats
	if err := json.Unmarshal(b, &round); err != nil {
		t.Fatal(err)
	}
	byName := map[string]WeightStats{}
	for _, w := range s.Weights {
		byName[w.Name] = w
	}
	if w := byName["blk.0.attn_q.weight"]; w.Entropy != 0 || w.NearZero != 1 || w.Mean != 0 || len(w.Top) != 0 {
		t.Errorf("all-zero weight (no column is important, none listed): %+v", w)
	}
	if w := byName["blk.0.ffn_up_exps.weight"]; w.Values != 0 || w.ExpertsWithoutData != 2 || w.Mean != 0 || len(w.Top) != 0 {
		t.Errorf("no data: %+v", w)
	}
	if w := byName["blk.0.ffn_down.weight"]; w.Entropy != 1 {
		t.Errorf("single column entropy %v", w.Entropy)
	}
	// Zero columns are not listed among the top ones.
	if w := byName["blk.1.attn_q.weight"]; !reflect.DeepEqual(w.Top, []Column{{0, 2, 1}}) {
		t.Errorf("top of [0 0 1]: %v", w.Top)
	}
	// A zero vector against a non-zero one: cosine 0, not NaN.
	if w := byName["blk.1.attn_q.weight"]; w.CosinePrevLayer == nil || *w.CosinePrevLayer != 0 {
		t.Errorf("cosine with a zero vector: %v", w.CosinePrevLayer)
	}

	one := ComputeStats(&Data{Entries: d.Entries[:1]}, StatsOptions{})
	if len(one.Layers) != 1 || one.Layers[0].CosinePrevLayer != nil {
		t.Errorf("one layer: %+v", one.Layers)
	}
	if _, err := json.Marshal(ComputeStats(&Data{}, StatsOptions{})); err != nil {
		t.Error(err)
	}
}
