package imatrixcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/imatrix"
)

// StatsOptions are the parsed flags of `calibkit imatrix stats`.
type StatsOptions struct {
	IO   *iostreams.IOStreams
	File string
	JSON bool
	Top  int
	// DatChunkSize is the chunk size assumed for a legacy .dat file, which
	// does not record it; it scales the counts shown, not the mean squares.
	DatChunkSize int
}

// NewCmdStats returns `calibkit imatrix stats`. runF replaces the run in tests.
func NewCmdStats(io *iostreams.IOStreams, runF func(*StatsOptions) error) *cobra.Command {
	opts := &StatsOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "stats FILE",
		Short: "Show an imatrix file's metadata and per-weight and per-layer statistics",
		Long: `Read an imatrix file (GGUF or legacy .dat, told apart by content) and print
its metadata and, for every weight, with v = Σx²/count the mean square of
each input column: columns, experts, total count, Σv, mean, max, the share
of near-zero columns (v below 0.001 × the weight's mean), the entropy of the
column importance normalized to [0,1] (1: every column matters alike), the
top-K columns, and the cosine similarity with the same weight one layer
before; then the same per layer, the layer's weights together.

Experts that saw no data are left out of the statistics. A legacy .dat file
records neither experts nor the chunk size: a mixture-of-experts weight
shows as one matrix, and its counts are ncall × -c/--ctx-size (512 unless
given), as llama-imatrix --in-file reads it; the mean squares do not depend
on -c.`,
		Example: `  calibkit imatrix stats imatrix.gguf
  calibkit imatrix stats imatrix.dat --top 10
  calibkit imatrix stats imatrix.gguf --json | jq '.layers[] | {layer, normalized_entropy}'`,
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			if opts.Top < 0 {
				return cmdutil.FlagErrorf("--top must not be negative, not %d", opts.Top)
			}
			if err := checkDatChunkSize(opts.DatChunkSize); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return statsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the statistics as JSON")
	cmd.Flags().IntVar(&opts.Top, "top", 5, "how many of each weight's most important columns to list")
	cmd.Flags().IntVarP(&opts.DatChunkSize, "ctx-size", "c", imatrix.DefaultDatChunkSize, "tokens per chunk assumed for a legacy .dat file")
	return cmd
}

// statsJSON is what --json prints.
type statsJSON struct {
	File   string `json:"file"`
	Format string `json:"format"`
	// ChunkSizeRecorded is false when the file does not record its chunk
	// size (a legacy .dat file: chunk_size is then the -c assumption).
	ChunkSizeRecorded bool `json:"chunk_size_recorded"`
	*imatrix.Stats
}

func statsRun(_ context.Context, opts *StatsOptions) error {
	d, format, err := imatrix.ReadFileFormat(opts.File, opts.DatChunkSize)
	if err != nil {
		return err
	}
	recorded := format == imatrix.FormatGGUF && d.ChunkSize > 0
	s := imatrix.ComputeStats(d, imatrix.StatsOptions{TopK: opts.Top})
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(statsJSON{File: opts.File, Format: format.String(), ChunkSizeRecorded: recorded, Stats: s})
	}
	head := "file:        " + opts.File + " (" + format.String() + ")\n"
	if format == imatrix.FormatDat {
		head += fmt.Sprintf("note:        a .dat file records no chunk size: counts are ncall × %d tokens (-c)\n", d.ChunkSize)
	}
	if _, err := io.WriteString(opts.IO.Out, head); err != nil {
		return err
	}
	return imatrix.WriteStatsText(opts.IO.Out, s)
}
