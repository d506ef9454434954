package imatrixcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/manifest"
)

// CompareOptions are the parsed flags of `calibkit imatrix compare`.
type CompareOptions struct {
	IO   *iostreams.IOStreams
	A, B string
	JSON bool
	PNG  string
	// Command is the command line, recorded in the heat map's manifest.
	Command []string
}

// NewCmdCompare returns `calibkit imatrix compare`. runF replaces the run in tests.
func NewCmdCompare(io *iostreams.IOStreams, runF func(*CompareOptions) error) *cobra.Command {
	opts := &CompareOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "compare A B",
		Short: "Compare two imatrix files of the same model, weight by weight and layer by layer",
		Long: `Compare the mean squares (Σx²/count per input column) of two imatrix files
of the same model, GGUF or legacy .dat: per weight and per layer, the cosine
similarity, Spearman's rank correlation (ties get their average rank) and
the share of A's top 1% columns (at least one) that are also in B's top 1%.
Weights and layers are listed most different first (lowest cosine), then
the entries only one file has. Experts without data count as zeros.

--png draws a heat map: layers down, tensor kinds across, colour = cosine
similarity (dark purple: the files differ most, yellow: they agree, scaled
to the range found, with a colour bar), a last column for each whole layer,
grey cells for weights only one file has. This is how to see where Japanese
calibration text moves the importance.

Files whose common entries differ in size come from different models: an error.`,
		Example: `  calibkit imatrix compare imatrix-en.gguf imatrix-ja.gguf
  calibkit imatrix compare en.gguf ja.dat --png ja-vs-en.png
  calibkit imatrix compare a.gguf b.gguf --json | jq '.weights[:5]'`,
		Args: cmdutil.Args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.A, opts.B = args[0], args[1]
			opts.Command = os.Args
			if runF != nil {
				return runF(opts)
			}
			return compareRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the comparison as JSON")
	cmd.Flags().StringVar(&opts.PNG, "png", "", "also draw a heat map of the cosine similarities to this PNG file")
	return cmd
}

// compareJSON is what --json prints.
type compareJSON struct {
	A   string `json:"a"`
	B   string `json:"b"`
	PNG string `json:"png,omitempty"`
	*imatrix.Comparison
}

func compareRun(ctx context.Context, opts *CompareOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	a, err := imatrix.ReadFile(opts.A)
	if err != nil {
		return err
	}
	b, err := imatrix.ReadFile(opts.B)
	if err != nil {
		return err
	}
	c, err := imatrix.Compare(ctx, a, b, opts.A, opts.B)
	if err != nil {
		return fmt.Errorf("compare %s and %s: %w", opts.A, opts.B, err)
	}
	if len(c.Weights) == 0 {
		return fmt.Errorf("compare %s and %s: the files have no weight in common", opts.A, opts.B)
	}
	if opts.PNG != "" {
		if err := writeHeatmap(opts, c); err != nil {
			return err
		}
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(compareJSON{A: opts.A, B: opts.B, PNG: opts.PNG, Comparison: c})
	}
	return imatrix.WriteComparisonText(opts.IO.Out, c, opts.A, opts.B)
}

// writeHeatmap draws the PNG in memory, writes it atomically, then its manifest.
func writeHeatmap(opts *CompareOptions, c *imatrix.Comparison) error {
	var buf bytes.Buffer
	if err := imatrix.WriteHeatmapPNG(&buf, c, heatmapTitle(opts.A, opts.B)); err != nil {
		return fmt.Errorf("draw %s: %w", opts.PNG, err)
	}
	m := manifest.New(opts.PNG, opts.Command)
	for _, in := range []string{opts.A, opts.B} {
		if err := m.AddInput(in); err != nil {
			return err
		}
	}
	if _, err := atomicfile.WriteFile(opts.PNG, &buf); err != nil {
		return err
	}
	m.Parameters["metric"] = "cosine similarity of mean squares"
	m.Counts["weights"] = len(c.Weights)
	m.Counts["layers"] = len(c.Layers)
	m.Counts["only_a"] = len(c.OnlyA)
	m.Counts["only_b"] = len(c.OnlyB)
	return m.Write()
}

// heatmapTitle names the files by their base names: full paths are often
// wider than the picture.
func heatmapTitle(a, b string) string {
	return fmt.Sprintf("cosine similarity: %s vs %s", filepath.Base(a), filepath.Base(b))
}
