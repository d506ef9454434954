package imatrix

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteStatsText prints s as two aligned tables, weights then layers.
func WriteStatsText(w io.Writer, s *Stats) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "datasets:    %s\n", strings.Join(quoteAll(s.Datasets), ", "))
	if s.ChunkSize > 0 {
		fmt.Fprintf(bw, "chunks:      %d of %d tokens\n", s.ChunkCount, s.ChunkSize)
	} else {
		fmt.Fprintf(bw, "chunks:      %d (chunk size not recorded)\n", s.ChunkCount)
	}
	fmt.Fprintf(bw, "weights:     %d in %d layers\n\n", len(s.Weights), len(s.Layers))
	fmt.Fprintf(bw, "Per weight (v = Σx²/count per column; near-zero: v < %g × mean; entropy normalized to [0,1]):\n", NearZeroRatio)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	width := len("weight")
	for _, x := range s.Weights {
		width = max(width, len(x.Name))
	}
	fmt.Fprintf(tw, "%-*s\tcols\texperts\tcount\tΣv\tmean\tmax\tnear-zero\tentropy\tcos prev\ttop columns\t\n", width, "weight")
	for _, x := range s.Weights {
		experts := strconv.Itoa(x.Experts)
		if x.ExpertsWithoutData > 0 {
			experts = fmt.Sprintf("%d (%d empty)", x.Experts, x.ExpertsWithoutData)
		}
		fmt.Fprintf(tw, "%-*s\t%d\t%s\t%d\t%s\t%s\t%s\t%.2f%%\t%.4f\t%s\t%s\t\n", width, x.Name, x.Columns, experts, x.Count,
			num(x.SumMeanSquares), num(x.Mean), num(x.Max), 100*x.NearZero, x.Entropy, cos(x.CosinePrevLayer), topText(x.Top, x.Experts > 1))
	}
	tw.Flush()
	fmt.Fprintf(bw, "\nPer layer (the layer's weights together):\n")
	tw = tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\tweights\tcols\tcount\tΣv\tmean\tmax\tnear-zero\tentropy\tcos prev\t")
	for _, l := range s.Layers {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%s\t%s\t%s\t%.2f%%\t%.4f\t%s\t\n", l.Layer, l.Weights, l.Columns, l.Count,
			num(l.SumMeanSquares), num(l.Mean), num(l.Max), 100*l.NearZero, l.Entropy, cos(l.CosinePrevLayer))
	}
	tw.Flush()
	return bw.Flush()
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 5, 64) }

func cos(c *float64) string {
	if c == nil {
		return "-"
	}
	return strconv.FormatFloat(*c, 'f', 4, 64)
}

func topText(top []Column, moe bool) string {
	parts := make([]string, len(top))
	for i, c := range top {
		if moe {
			parts[i] = fmt.Sprintf("e%d:%d=%s", c.Expert, c.Column, num(c.MeanSquare))
		} else {
			parts[i] = fmt.Sprintf("%d=%s", c.Column, num(c.MeanSquare))
		}
	}
	return strings.Join(parts, " ")
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}
