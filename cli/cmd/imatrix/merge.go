package imatrixcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/manifest"
)

// MergeOptions are the parsed flags of `calibkit imatrix merge`.
type MergeOptions struct {
	IO      *iostreams.IOStreams
	Inputs  []string
	Weights []float64 // one per input
	Output  string
	Format  imatrix.Format
	// DatChunkSize is the chunk size assumed for legacy .dat inputs.
	DatChunkSize int
	// Dataset names the calibration text when no input records one (a
	// legacy .dat file from before April 2024).
	Dataset string
	JSON    bool
	Command []string
}

// NewCmdMerge returns `calibkit imatrix merge`. runF replaces the run in tests.
func NewCmdMerge(io *iostreams.IOStreams, runF func(*MergeOptions) error) *cobra.Command {
	opts := &MergeOptions{IO: io}
	var format string
	cmd := &cobra.Command{
		Use:   "merge A B... -o OUT [--weights 1,0.5,...] [--output-format gguf|dat]",
		Short: "Add imatrix files together as llama-imatrix --in-file does",
		Long: `Merge imatrix files (GGUF or legacy .dat, in any mix) of the same model:
per weight, the sums of squares, the sums and the counts are added as
llama-imatrix --in-file adds them, so the result's mean squares are the
count-weighted means of the inputs'. Weights present in only some files are
kept, with a warning (files of different models?). The dataset lists are
joined in order; --dataset names the text when no input records one. The
chunk size recorded is the first input's that has one, the chunk count the
largest count over it.

--weights scales each file's contribution: its sums and counts are
multiplied by its weight (counts rounded), so a file with weight 0.5 counts
half as much. A legacy .dat file records neither its chunk size nor its
experts: it is read with -c/--ctx-size tokens per chunk (512 by default, as
llama-imatrix assumes its own -c), and its one count is given to every
expert of a GGUF file's weight.

The output format is --output-format, or else the output's extension
(.dat: legacy, anything else: GGUF). A .dat output keeps only the last
dataset name and leaves out weights without data, as llama.cpp does.`,
		Example: `  calibkit imatrix merge ja.gguf en.gguf -o mixed.gguf
  calibkit imatrix merge ja.gguf en.dat --weights 1,0.5 -o mixed.dat
  calibkit imatrix merge part-*.gguf -o all.gguf --json`,
		Args: cmdutil.Args(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Inputs = args
			opts.Command = os.Args
			if err := resolveOutput(&opts.Format, format, cmd.Flags().Changed("output-format"), opts.Output); err != nil {
				return err
			}
			if len(opts.Weights) == 0 {
				opts.Weights = make([]float64, len(args))
				for i := range opts.Weights {
					opts.Weights[i] = 1
				}
			}
			if len(opts.Weights) != len(args) {
				return cmdutil.FlagErrorf("--weights has %d values for %d input files", len(opts.Weights), len(args))
			}
			for i, w := range opts.Weights {
				if !(w > 0) || math.IsInf(w, 0) {
					return cmdutil.FlagErrorf("--weights: %v for %s must be a positive number", w, args[i])
				}
			}
			if err := checkDatChunkSize(opts.DatChunkSize); err != nil {
				return err
			}
			for _, in := range args {
				if sameFileAs(in, opts.Output) {
					return cmdutil.FlagErrorf("the output %s is also an input", opts.Output)
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return mergeRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", "", "output file (required), written atomically with a manifest")
	f.Float64SliceVar(&opts.Weights, "weights", nil, "comma-separated weight of each input file (default: all 1)")
	f.StringVar(&format, "output-format", "", "output format: gguf or dat (default: from the output's extension)")
	f.IntVarP(&opts.DatChunkSize, "ctx-size", "c", imatrix.DefaultDatChunkSize, "tokens per chunk assumed for legacy .dat inputs")
	f.StringVar(&opts.Dataset, "dataset", "", "dataset name to record when no input records one (old .dat files)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary on stdout")
	return cmd
}

func mergeRun(_ context.Context, opts *MergeOptions) error {
	inputs := make([]imatrix.MergeInput, len(opts.Inputs))
	for i, path := range opts.Inputs {
		d, _, err := imatrix.ReadFileFormat(path, opts.DatChunkSize)
		if err != nil {
			return err
		}
		inputs[i] = imatrix.MergeInput{Name: path, Data: d, Weight: opts.Weights[i]}
	}
	d, err := imatrix.Merge(inputs)
	if err != nil {
		return err
	}
	fillChunkSize(d, opts.DatChunkSize)
	params := map[string]any{"weights": opts.Weights, "output_format": opts.Format.String(), "dat_chunk_size": opts.DatChunkSize}
	if name, file, n := notInEvery(inputs); n > 0 && !opts.IO.Quiet {
		fmt.Fprintf(opts.IO.ErrOut, "calibkit: warning: %d weights are missing from some inputs (e.g. %s is not in %s): kept from the files that have them, as llama-imatrix does; are the files from the same model?\n", n, name, file)
	}
	return writeOutput(opts.IO, outputJob{
		path: opts.Output, format: opts.Format, data: d, inputs: opts.Inputs,
		params: params, command: opts.Command, json: opts.JSON, dataset: opts.Dataset,
	})
}

// notInEvery counts the weights that some inputs lack and names the first
// (in name order) with a file that lacks it.
func notInEvery(inputs []imatrix.MergeInput) (name, file string, n int) {
	has := make([]map[string]bool, len(inputs))
	all := map[string]bool{}
	for i, in := range inputs {
		has[i] = make(map[string]bool, len(in.Data.Entries))
		for _, e := range in.Data.Entries {
			has[i][e.Name] = true
			all[e.Name] = true
		}
	}
	names := make([]string, 0, len(all))
	for k := range all {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for i := range inputs {
			if !has[i][k] {
				if n == 0 {
					name, file = k, inputs[i].Name
				}
				n++
				break
			}
		}
	}
	return name, file, n
}

// outputJob is one imatrix file to write with its manifest and summary.
type outputJob struct {
	path    string
	format  imatrix.Format
	data    *imatrix.Data
	inputs  []string
	params  map[string]any
	command []string
	json    bool
	dataset string // --dataset: used when the data records no dataset name
}

// outputSummary is what merge and convert print with --json.
type outputSummary struct {
	Inputs     []string `json:"inputs"`
	Output     string   `json:"output"`
	Format     string   `json:"format"`
	Entries    int      `json:"entries"`
	Skipped    []string `json:"skipped"`
	Datasets   []string `json:"datasets"`
	ChunkCount int      `json:"chunk_count"`
	ChunkSize  int      `json:"chunk_size"`
}

// writeOutput writes the imatrix atomically, then its manifest, warns about
// what the format cannot hold and prints the summary.
func writeOutput(ios *iostreams.IOStreams, job outputJob) error {
	d := job.data
	if len(d.Datasets) == 0 {
		if job.dataset != "" {
			d.Datasets = []string{job.dataset}
		} else if job.format == imatrix.FormatGGUF {
			return fmt.Errorf("write %s: the input records no dataset name (a .dat file from before April 2024?) and llama-quantize needs one in a GGUF imatrix: give it with --dataset NAME", job.path)
		}
	}
	var skipped []string
	if job.format == imatrix.FormatDat {
		skipped = d.Skipped()
	}
	m := manifest.New(job.path, job.command)
	for _, in := range job.inputs {
		if err := m.AddInput(in); err != nil {
			return err
		}
	}
	if err := imatrix.WriteFile(job.path, d, job.format); err != nil {
		return err
	}
	for k, v := range job.params {
		m.Parameters[k] = v
	}
	m.Counts["entries"] = len(d.Entries) - len(skipped)
	m.Counts["chunk_count"] = d.ChunkCount
	m.Counts["chunk_size"] = d.ChunkSize
	m.Extra = map[string]any{"datasets": d.Datasets}
	if len(skipped) > 0 {
		m.Extra["skipped_without_data"] = skipped
	}
	if err := m.Write(); err != nil {
		return err
	}
	chatter := ios.ErrOut
	if ios.Quiet {
		chatter = io.Discard
	}
	if len(skipped) > 0 {
		fmt.Fprintf(chatter, "calibkit: warning: %d weights without data are left out of %s (the .dat format cannot hold them), e.g. %s\n", len(skipped), job.path, skipped[0])
	}
	if job.format == imatrix.FormatDat && len(d.Datasets) > 1 {
		fmt.Fprintf(chatter, "calibkit: note: %s keeps only the last of %d dataset names (the .dat format holds one)\n", job.path, len(d.Datasets))
	}
	if job.json {
		enc := json.NewEncoder(ios.Out)
		enc.SetIndent("", "  ")
		if skipped == nil {
			skipped = []string{}
		}
		return enc.Encode(outputSummary{Inputs: job.inputs, Output: job.path, Format: job.format.String(),
			Entries: len(d.Entries) - len(skipped), Skipped: skipped, Datasets: d.Datasets,
			ChunkCount: d.ChunkCount, ChunkSize: d.ChunkSize})
	}
	return nil
}

// resolveOutput picks the output format: the flag when given, else the
// output's extension, GGUF by default.
func resolveOutput(dst *imatrix.Format, flag string, flagSet bool, output string) error {
	if output == "" {
		return cmdutil.FlagErrorf("-o/--output is required")
	}
	if flagSet {
		f, err := imatrix.ParseFormat(flag)
		if err != nil {
			return cmdutil.FlagErrorf("--output-format: %v", err)
		}
		*dst = f
		return nil
	}
	*dst = imatrix.FormatForPath(output)
	if *dst == imatrix.FormatUnknown {
		*dst = imatrix.FormatGGUF
	}
	return nil
}

// fillChunkSize gives data from files without imatrix.chunk_size the -c
// chunk size, as llama-imatrix records its own, and the chunk count it
// derives from the largest count.
func fillChunkSize(d *imatrix.Data, chunkSize int) {
	if d.ChunkSize > 0 {
		return
	}
	d.ChunkSize = chunkSize
	maxCount := int64(0)
	for _, e := range d.Entries {
		for _, c := range e.Counts {
			maxCount = max(maxCount, c)
		}
	}
	if d.ChunkCount == 0 {
		d.ChunkCount = int(maxCount / int64(chunkSize))
	}
}

func checkDatChunkSize(n int) error {
	if n <= 0 {
		return cmdutil.FlagErrorf("-c/--ctx-size must be positive, not %d", n)
	}
	return nil
}

// sameFileAs reports whether a and b name the same existing file.
func sameFileAs(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}
