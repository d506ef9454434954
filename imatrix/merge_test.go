package imatrix

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestMergeAddsLikeLlamaCpp(t *testing.T) {
	a := &Data{Datasets: []string{"ja.txt"}, ChunkCount: 2, ChunkSize: 512, Entries: []*Entry{
		{Name: "blk.0.attn_q.weight", Cols: 2, Sums: []float32{1, 2}, Activations: []float32{1, -1}, Counts: []int64{1024}},
		{Name: "blk.0.ffn_up_exps.weight", Cols: 1, Sums: []float32{3, 4}, Counts: []int64{100, 0}},
		{Name: "blk.0.only_a.weight", Cols: 1, Sums: []float32{5}, Counts: []int64{7}},
	}}
	b := &Data{Datasets: []string{"en.txt"}, ChunkCount: 1, ChunkSize: 256, Entries: []*Entry{
		{Name: "blk.0.attn_q.weight", Cols: 2, Sums: []float32{10, 20}, Counts: []int64{512}}, // no in_sum
		{Name: "blk.0.ffn_up_exps.weight", Cols: 1, Sums: []float32{30, 40}, Counts: []int64{10, 20}},
	}}
	got, err := Merge([]MergeInput{{"a.gguf", a, 1}, {"b.gguf", b, 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := &Data{Datasets: []string{"ja.txt", "en.txt"}, ChunkCount: 1536 / 512, ChunkSize: 512, Entries: []*Entry{
		{Name: "blk.0.attn_q.weight", Cols: 2, Sums: []float32{11, 22}, Counts: []int64{1536}},
		{Name: "blk.0.ffn_up_exps.weight", Cols: 1, Sums: []float32{33, 44}, Counts: []int64{110, 20}},
		{Name: "blk.0.only_a.weight", Cols: 1, Sums: []float32{5}, Counts: []int64{7}},
	}}
	equalData(t, got, want)
	// The inputs are untouched.
	if a.Entries[0].Sums[0] != 1 || a.Entries[0].Activations == nil {
		t.Error("Merge modified its input")
	}
}

func TestMergeWeights(t *testing.T) {
	a := &Data{Datasets: []string{"a"}, ChunkSize: 512, Entries: []*Entry{
		{Name: "w", Cols: 2, Sums: []float32{4, 8}, Activations: []float32{2, 2}, Counts: []int64{4}}}}
	b := &Data{Datasets: []string{"b"}, ChunkSize: 512, Entries: []*Entry{
		{Name: "w", Cols: 2, Sums: []float32{0, 3}, Activations: []float32{1, 1}, Counts: []int64{3}}}}
	got, err := Merge([]MergeInput{{"a", a, 1}, {"b", b, 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	e := got.Entries[0]
	// b's mean squares (0, 1) count half: counts 4 + round(1.5) = 6.
	if e.Sums[0] != 4 || e.Sums[1] != 9.5 || e.Activations[0] != 2.5 || e.Counts[0] != 6 {
		t.Errorf("got %+v", e)
	}
	for _, w := range []float64{0, -1} {
		if _, err := Merge([]MergeInput{{"a", a, 1}, {"b.dat", b, w}}); err == nil || !strings.Contains(err.Error(), "b.dat") {
			t.Errorf("weight %v: %v", w, err)
		}
	}
}

// TestMergeDatIntoGGUF merges the .dat form of a mixture-of-experts weight
// (one count, experts flattened) with a GGUF one, in both orders.
func TestMergeDatIntoGGUF(t *testing.T) {
	g := &Data{Datasets: []string{"g"}, ChunkSize: 512, Entries: []*Entry{
		{Name: "blk.0.ffn_up_exps.weight", Cols: 2, Sums: []float32{1, 1, 2, 2}, Counts: []int64{10, 20}}}}
	d := &Data{Datasets: []string{"d"}, ChunkSize: 512, Entries: []*Entry{
		{Name: "blk.0.ffn_up_exps.weight", Cols: 4, Sums: []float32{5, 5, 5, 5}, Counts: []int64{512}}}}
	for _, in := range [][]MergeInput{{{"g.gguf", g, 1}, {"d.dat", d, 1}}, {{"d.dat", d, 1}, {"g.gguf", g, 1}}} {
		got, err := Merge(in)
		if err != nil {
			t.Fatal(err)
		}
		e := got.Entries[0]
		if e.Cols != 2 || e.NMat() != 2 || e.Counts[0] != 522 || e.Counts[1] != 532 || e.Sums[3] != 7 {
			t.Errorf("%s first: got %+v", in[0].Name, e)
		}
	}
}

func TestMergeMismatch(t *testing.T) {
	a := &Data{Entries: []*Entry{dense("blk.0.attn_q.weight", 1, 2)}}
	b := &Data{Entries: []*Entry{dense("blk.0.attn_q.weight", 1, 2, 3)}}
	_, err := Merge([]MergeInput{{"llama.gguf", a, 1}, {"qwen.gguf", b, 1}})
	var me *MismatchError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "llama.gguf") || !strings.Contains(err.Error(), "qwen.gguf") {
		t.Fatalf("got %v", err)
	}
	moeA := &Data{Entries: []*Entry{{Name: "e", Cols: 2, Sums: make([]float32, 4), Counts: []int64{1, 1}}}}
	moeB := &Data{Entries: []*Entry{{Name: "e", Cols: 1, Sums: make([]float32, 4), Counts: []int64{1, 1, 1, 1}}}}
	if _, err := Merge([]MergeInput{{"a", moeA, 1}, {"b", moeB, 1}}); !errors.As(err, &me) {
		t.Errorf("different expert counts: %v", err)
	}
	bad := &Data{Entries: []*Entry{{Name: "x", Cols: 2, Sums: []float32{1}, Counts: []int64{1}}}}
	if _, err := Merge([]MergeInput{{"bad.gguf", bad, 1}}); err == nil || !strings.Contains(err.Error(), `merge bad.gguf: entry "x"`) {
		t.Errorf("invalid input: %v", err)
	}
	if _, err := Merge(nil); err == nil {
		t.Error("no inputs")
	}
}

// TestMergeOfDatFilesMatchesLlamaCpp: merging two .dat files and writing a
// .dat gives the means llama.cpp's --in-file merge gives: count-weighted.
func TestMergeOfDatFiles(t *testing.T) {
	a := &Data{Datasets: []string{"a"}, ChunkCount: 2, ChunkSize: 512, Entries: []*Entry{dense("w", 2*1024, 4*1024)}}
	a.Entries[0].Counts[0] = 1024 // mean squares 2, 4 over 2 chunks
	b := &Data{Datasets: []string{"b"}, ChunkCount: 1, ChunkSize: 512, Entries: []*Entry{dense("w", 8*512, 1*512)}}
	b.Entries[0].Counts[0] = 512 // mean squares 8, 1 over 1 chunk
	var da, db bytes.Buffer
	if err := WriteDat(&da, a); err != nil {
		t.Fatal(err)
	}
	if err := WriteDat(&db, b); err != nil {
		t.Fatal(err)
	}
	ra, _ := ReadDat(&da, 512)
	rb, _ := ReadDat(&db, 512)
	m, err := Merge([]MergeInput{{"a.dat", ra, 1}, {"b.dat", rb, 1}})
	if err != nil {
		t.Fatal(err)
	}
	e := m.Entries[0]
	if got := []float32{e.Sums[0] / float32(e.Counts[0]), e.Sums[1] / float32(e.Counts[0])}; got[0] != 4 || got[1] != 3 {
		t.Errorf("merged mean squares %v, want [4 3] = (2·2+8)/3, (4·2+1)/3", got)
	}
	if m.ChunkCount != 3 || len(m.Datasets) != 2 {
		t.Errorf("chunks %d datasets %q", m.ChunkCount, m.Datasets)
	}
}

// A weight so small that a count rounds to 0 would leave sums without a
// count (an expert "without data" that has data): an error naming the file
// and the entry.
func TestMergeWeightTooSmall(t *testing.T) {
	a := &Data{Datasets: []string{"a"}, ChunkSize: 512, Entries: []*Entry{
		{Name: "w", Cols: 1, Sums: []float32{4}, Counts: []int64{3}}}}
	_, err := Merge([]MergeInput{{"a.gguf", a, 1}, {"b.gguf", a, 0.1}})
	if err == nil || !strings.Contains(err.Error(), `merge b.gguf: entry "w": weight 0.1 turns the count 3 into 0`) {
		t.Fatalf("got %v", err)
	}
	if _, err := Merge([]MergeInput{{"a.gguf", a, 1}, {"b.gguf", a, 0.2}}); err != nil { // 0.6 rounds to 1
		t.Fatal(err)
	}
}
