package imatrix

import (
	"bufio"
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteComparisonText prints c as tables, most different first: layers,
// then weights, then the entries only one file has.
func WriteComparisonText(w io.Writer, c *Comparison, nameA, nameB string) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "A: %s\nB: %s\n", nameA, nameB)
	fmt.Fprintf(bw, "%d weights in both, %d only in A, %d only in B\n", len(c.Weights), len(c.OnlyA), len(c.OnlyB))
	fmt.Fprintf(bw, "(cosine of the mean squares; Spearman rank correlation; share of A's top 1%% columns also in B's top 1%%)\n\n")
	fmt.Fprintf(bw, "Per layer, most different first:\n")
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\tweights\tvalues\tcosine\tspearman\ttop 1%\t")
	for _, l := range c.Layers {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.6f\t%.6f\t%.1f%%\t\n", l.Layer, l.Weights, l.Values, l.Cosine, l.Spearman, 100*l.TopOverlap)
	}
	tw.Flush()
	fmt.Fprintf(bw, "\nPer weight, most different first:\n")
	width := len("weight")
	for _, x := range c.Weights {
		width = max(width, len(x.Name))
	}
	tw = tabwriter.NewWriter(bw, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\tvalues\tcosine\tspearman\ttop 1%%\t\n", width, "weight")
	for _, x := range c.Weights {
		fmt.Fprintf(tw, "%-*s\t%d\t%.6f\t%.6f\t%.1f%%\t\n", width, x.Name, x.Values, x.Cosine, x.Spearman, 100*x.TopOverlap)
	}
	tw.Flush()
	for _, only := range []struct {
		file  string
		names []string
	}{{nameA, c.OnlyA}, {nameB, c.OnlyB}} {
		if len(only.names) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\nOnly in %s:\n", only.file)
		for _, n := range only.names {
			fmt.Fprintf(bw, "  %s\n", n)
		}
	}
	return bw.Flush()
}
