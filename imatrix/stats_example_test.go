package imatrix_test

import (
	"fmt"

	"github.com/calibkit/calibkit/imatrix"
)

func ExampleComputeStats() {
	d := &imatrix.Data{Entries: []*imatrix.Entry{
		// Mean squares 2, 0, 1, 1: one near-zero column of four.
		{Name: "blk.0.attn_q.weight", Cols: 4, Sums: []float32{4, 0, 2, 2}, Counts: []int64{2}},
		{Name: "blk.1.attn_q.weight", Cols: 4, Sums: []float32{2, 0, 1, 1}, Counts: []int64{1}},
	}}
	s := imatrix.ComputeStats(d, imatrix.StatsOptions{TopK: 2})
	w := s.Weights[1]
	fmt.Printf("%s: mean %.2f max %.0f near-zero %.2f entropy %.2f cosine with layer 0 %.2f\n",
		w.Name, w.Mean, w.Max, w.NearZero, w.Entropy, *w.CosinePrevLayer)
	fmt.Println("top:", w.Top)
	// Output:
	// blk.1.attn_q.weight: mean 1.00 max 2 near-zero 0.25 entropy 0.75 cosine with layer 0 1.00
	// top: [{0 0 2} {0 2 1}]
}
