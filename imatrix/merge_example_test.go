package imatrix_test

import (
	"bytes"
	"fmt"

	"github.com/calibkit/calibkit/imatrix"
)

// Merging two files adds sums and counts, so the merged mean squares are
// the count-weighted means; a weight of 0.5 makes a file count half.
func ExampleMerge() {
	ja := &imatrix.Data{Datasets: []string{"ja.txt"}, ChunkSize: 512, Entries: []*imatrix.Entry{
		{Name: "blk.0.attn_q.weight", Cols: 2, Sums: []float32{2048, 1024}, Counts: []int64{1024}}, // mean squares 2, 1
	}}
	en := &imatrix.Data{Datasets: []string{"en.txt"}, ChunkSize: 512, Entries: []*imatrix.Entry{
		{Name: "blk.0.attn_q.weight", Cols: 2, Sums: []float32{8192, 0}, Counts: []int64{2048}}, // mean squares 4, 0
	}}
	m, err := imatrix.Merge([]imatrix.MergeInput{{Name: "ja.gguf", Data: ja, Weight: 1}, {Name: "en.gguf", Data: en, Weight: 0.5}})
	if err != nil {
		panic(err)
	}
	e := m.Entries[0]
	fmt.Println(m.Datasets, m.ChunkCount, e.Counts)
	fmt.Println(e.Sums[0]/float32(e.Counts[0]), e.Sums[1]/float32(e.Counts[0]))
	// Output:
	// [ja.txt en.txt] 4 [2048]
	// 3 0.5
}

// A GGUF imatrix written and read back; ReadFile tells the formats apart by
// content.
func ExampleWriteGGUF() {
	d := &imatrix.Data{Datasets: []string{"calib.txt"}, ChunkCount: 1, ChunkSize: 512, Entries: []*imatrix.Entry{
		{Name: "blk.0.ffn_up_exps.weight", Cols: 2, Sums: []float32{512, 1024, 0, 0}, Counts: []int64{512, 0}},
	}}
	var buf bytes.Buffer
	if err := imatrix.WriteGGUF(&buf, d); err != nil {
		panic(err)
	}
	back, err := imatrix.ReadGGUF(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		panic(err)
	}
	e := back.Entries[0]
	fmt.Println(e.Name, e.Cols, e.NMat(), e.Counts, e.Sums)
	// Output:
	// blk.0.ffn_up_exps.weight 2 2 [512 0] [512 1024 0 0]
}
