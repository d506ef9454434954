package imatrix_test

import (
	"context"
	"fmt"

	"github.com/calibkit/calibkit/imatrix"
)

func ExampleCompare() {
	a := &imatrix.Data{Entries: []*imatrix.Entry{
		{Name: "blk.0.attn_q.weight", Cols: 4, Sums: []float32{1, 2, 3, 4}, Counts: []int64{1}},
		{Name: "blk.0.attn_k.weight", Cols: 4, Sums: []float32{1, 2, 3, 4}, Counts: []int64{1}},
	}}
	b := &imatrix.Data{Entries: []*imatrix.Entry{
		{Name: "blk.0.attn_q.weight", Cols: 4, Sums: []float32{4, 3, 2, 1}, Counts: []int64{1}},
		{Name: "blk.0.attn_k.weight", Cols: 4, Sums: []float32{2, 4, 6, 8}, Counts: []int64{2}},
	}}
	c, err := imatrix.Compare(context.Background(), a, b, "a.gguf", "b.gguf")
	if err != nil {
		panic(err)
	}
	for _, w := range c.Weights { // most different first
		fmt.Printf("%s cosine %.3f spearman %.1f top-1%% overlap %.0f\n", w.Name, w.Cosine, w.Spearman, w.TopOverlap)
	}
	// Output:
	// blk.0.attn_q.weight cosine 0.667 spearman -1.0 top-1% overlap 0
	// blk.0.attn_k.weight cosine 1.000 spearman 1.0 top-1% overlap 1
}
