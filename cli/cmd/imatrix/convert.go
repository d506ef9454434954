package imatrixcmd

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/imatrix"
)

// ConvertOptions are the parsed flags of `calibkit imatrix convert`.
type ConvertOptions struct {
	IO     *iostreams.IOStreams
	Input  string
	Output string
	Format imatrix.Format
	// DatChunkSize is the chunk size assumed for a legacy .dat input.
	DatChunkSize int
	// Dataset names the calibration text when no input records one (a
	// legacy .dat file from before April 2024).
	Dataset string
	JSON    bool
	Command []string
}

// NewCmdConvert returns `calibkit imatrix convert`. runF replaces the run in tests.
func NewCmdConvert(io *iostreams.IOStreams, runF func(*ConvertOptions) error) *cobra.Command {
	opts := &ConvertOptions{IO: io}
	var format string
	cmd := &cobra.Command{
		Use:   "convert IN -o OUT.gguf|OUT.dat",
		Short: "Convert an imatrix file between GGUF and the legacy .dat format",
		Long: `Convert an imatrix file between llama.cpp's GGUF format and its legacy .dat
format; the output format comes from the output's extension (.gguf or .dat)
or --output-format. The conversion is llama.cpp's: a .dat file stores each
column's mean square times ncall (the largest count over the chunk size,
rounded up), so it is read back with counts ncall × -c/--ctx-size; a .dat
output keeps only the last dataset name, no activation sums (in_sum), no
per-expert counts, and leaves out weights without data. The chunk count
the input records is kept (llama-imatrix would recompute it from a .dat
file's largest ncall, which is rounded up).`,
		Example: `  calibkit imatrix convert imatrix.dat -o imatrix.gguf
  calibkit imatrix convert imatrix.gguf -o imatrix.dat`,
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Input = args[0]
			opts.Command = os.Args
			if opts.Output == "" {
				return cmdutil.FlagErrorf("-o/--output is required")
			}
			if cmd.Flags().Changed("output-format") {
				f, err := imatrix.ParseFormat(format)
				if err != nil {
					return cmdutil.FlagErrorf("--output-format: %v", err)
				}
				opts.Format = f
			} else if opts.Format = imatrix.FormatForPath(opts.Output); opts.Format == imatrix.FormatUnknown {
				return cmdutil.FlagErrorf("cannot tell the format from %s: name it .gguf or .dat, or give --output-format", opts.Output)
			}
			if err := checkDatChunkSize(opts.DatChunkSize); err != nil {
				return err
			}
			if sameFileAs(opts.Input, opts.Output) {
				return cmdutil.FlagErrorf("the output %s is the input", opts.Output)
			}
			if runF != nil {
				return runF(opts)
			}
			return convertRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", "", "output file (required): .gguf or .dat")
	f.StringVar(&format, "output-format", "", "output format: gguf or dat (default: from the output's extension)")
	f.IntVarP(&opts.DatChunkSize, "ctx-size", "c", imatrix.DefaultDatChunkSize, "tokens per chunk assumed for a legacy .dat input")
	f.StringVar(&opts.Dataset, "dataset", "", "dataset name to record when no input records one (old .dat files)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary on stdout")
	return cmd
}

func convertRun(_ context.Context, opts *ConvertOptions) error {
	// The chunk count the file records is kept. llama-imatrix --in-file
	// recomputes it from the largest count, which for a .dat input is its
	// largest ncall, rounded up, one more than the chunks actually run when
	// the count was not a whole number of chunks: keeping it makes
	// .dat → GGUF → .dat give the same bytes.
	d, from, err := imatrix.ReadFileFormat(opts.Input, opts.DatChunkSize)
	if err != nil {
		return err
	}
	fillChunkSize(d, opts.DatChunkSize)
	params := map[string]any{"input_format": from.String(), "output_format": opts.Format.String(), "dat_chunk_size": opts.DatChunkSize}
	return writeOutput(opts.IO, outputJob{
		path: opts.Output, format: opts.Format, data: d, inputs: []string{opts.Input},
		params: params, command: opts.Command, json: opts.JSON, dataset: opts.Dataset,
	})
}
