// Package quantizecmd implements `calibkit quantize`: llama-quantize's
// command line over the quantize package.
package quantizecmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/cli/progress"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/quantize"
)

// Options are the parsed arguments and flags of `calibkit quantize`.
type Options struct {
	IO *iostreams.IOStreams

	// Run is the library's options, filled from the arguments and flags.
	Run quantize.Options
	// TensorTypeFile is --tensor-type-file: more PATTERN=TYPE entries.
	TensorTypeFile string
	ListTypes      bool
	JSON           bool
}

// NewCmdQuantize returns the quantize command; runF replaces the real run
// in tests.
func NewCmdQuantize(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	r := &opts.Run
	cmd := &cobra.Command{
		Use:   "quantize [flags] IN.gguf [OUT.gguf] TYPE [THREADS]",
		Short: "Quantize a GGUF model with llama.cpp, as llama-quantize does",
		Long: `Quantize a GGUF model with the llama.cpp linked into calibkit
(llama_model_quantize of llama.cpp ec98e2002), with llama-quantize's
arguments and flags: IN.gguf, OUT.gguf (without it, ggml-model-TYPE.gguf
beside IN), TYPE by name in any case (Q4_K_M, Q4_k_m) or number, and the
number of threads (default: all hardware threads).

--imatrix loads a GGUF or legacy .dat importance matrix and normalizes it as
llama-quantize does; the output then carries the quantize.imatrix.* keys.
Before any work, calibkit refuses an imatrix made for another model (a
weight without an entry, or an entry of the wrong size), a type that needs
an imatrix without one, an input that is not a complete GGUF model, and an
output that is the input. OUT is written under a temporary name and renamed
when complete, with OUT.manifest.json (input and imatrix sha256, overrides,
per-tensor types, sizes, bits per weight).

The study variants: Q4_K_M ("M"); --output-tensor-type q8_0
--token-embedding-type q8_0 Q4_K_M ("L"); --output-tensor-type f16
--token-embedding-type f16 Q4_K_M ("fp16").`,
		Example: `  calibkit quantize --imatrix imatrix.gguf model-f16.gguf model-Q4_K_M.gguf Q4_K_M
  calibkit quantize --output-tensor-type q8_0 --token-embedding-type q8_0 model-f16.gguf model-L.gguf Q4_k_m 8
  calibkit quantize --tensor-type attn_v=q6_k --tensor-type ffn_down=q5_k model-f16.gguf out.gguf Q4_K_S
  calibkit quantize --list-types`,
		Args: cmdutil.Args(cobra.MaximumNArgs(4)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.ListTypes {
				if len(args) > 0 {
					return cmdutil.FlagErrorf("--list-types takes no arguments")
				}
			} else if err := parseArgs(opts, args); err != nil {
				return err
			}
			r.Command = os.Args
			if runF != nil {
				return runF(opts)
			}
			return quantizeRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&r.Imatrix, "imatrix", "", "importance matrix file (GGUF or legacy .dat)")
	f.StringArrayVar(&r.IncludeWeights, "include-weights", nil, "use the imatrix only for weights whose name contains this (repeatable)")
	f.StringArrayVar(&r.ExcludeWeights, "exclude-weights", nil, "do not use the imatrix for weights whose name contains this (repeatable)")
	f.BoolVar(&r.AllowMissingImatrix, "allow-missing-imatrix", false, "quantize weights the imatrix has no entry for without one, instead of refusing the imatrix")
	f.StringVar(&r.OutputTensorType, "output-tensor-type", "", "ggml type of output.weight (e.g. q8_0, f16)")
	f.StringVar(&r.TokenEmbeddingType, "token-embedding-type", "", "ggml type of token_embd.weight (e.g. q8_0, f16)")
	f.StringArrayVar(&r.TensorTypes, "tensor-type", nil, "PATTERN=TYPE: quantize tensors whose name matches the regular expression to TYPE (repeatable; the last match wins)")
	f.StringVar(&opts.TensorTypeFile, "tensor-type-file", "", "file of PATTERN=TYPE entries separated by spaces or newlines")
	f.BoolVar(&r.LeaveOutputTensor, "leave-output-tensor", false, "leave output.weight un(re)quantized")
	f.BoolVar(&r.Pure, "pure", false, "disable the k-quant mixtures: every quantized tensor gets the type's default type")
	f.BoolVar(&r.AllowRequantize, "allow-requantize", false, "allow requantizing tensors that are already quantized")
	f.BoolVar(&r.KeepSplit, "keep-split", false, "write one output shard per input shard (OUT-0000i-of-0000n.gguf)")
	f.BoolVar(&opts.ListTypes, "list-types", false, "list the quantization types and exit")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary of the run on stdout")
	return cmd
}

// parseArgs reads IN [OUT] TYPE [THREADS] as llama-quantize does: when the
// second argument is a type, the output is ggml-model-TYPE.gguf beside IN.
func parseArgs(opts *Options, args []string) error {
	r := &opts.Run
	if len(args) < 2 {
		return cmdutil.FlagErrorf("want IN.gguf [OUT.gguf] TYPE [THREADS]; see `calibkit quantize --list-types` for the types")
	}
	r.Input = args[0]
	rest := args[1:]
	if ft, err := quantize.ParseFileType(rest[0]); err == nil {
		name := "ggml-model-" + ft.Name
		if !r.KeepSplit {
			name += ".gguf"
		}
		r.Output = filepath.Join(filepath.Dir(r.Input), name)
		r.Type = rest[0]
		rest = rest[1:]
	} else {
		if len(rest) < 2 {
			return cmdutil.FlagErrorf("missing TYPE after %s; see `calibkit quantize --list-types`", rest[0])
		}
		r.Output, r.Type = rest[0], rest[1]
		if _, err := quantize.ParseFileType(r.Type); err != nil {
			return cmdutil.FlagErrorf("%v", err)
		}
		rest = rest[2:]
	}
	if len(rest) > 1 {
		return cmdutil.FlagErrorf("unexpected argument %q after THREADS", rest[1])
	}
	if len(rest) == 1 {
		n, err := strconv.Atoi(rest[0])
		if err != nil || n < 0 {
			return cmdutil.FlagErrorf("invalid THREADS %q: want a number", rest[0])
		}
		r.Threads = n
	}
	if r.KeepSplit {
		r.Output = strings.TrimSuffix(r.Output, ".gguf")
	}
	if len(r.IncludeWeights) > 0 && len(r.ExcludeWeights) > 0 {
		return cmdutil.FlagErrorf("--include-weights and --exclude-weights cannot be used together")
	}
	for _, s := range r.TensorTypes {
		if _, err := quantize.ParseTensorType(s); err != nil {
			return cmdutil.FlagErrorf("%v", err)
		}
	}
	for _, t := range []struct{ flag, v string }{{"--output-tensor-type", r.OutputTensorType}, {"--token-embedding-type", r.TokenEmbeddingType}} {
		if t.v == "" {
			continue
		}
		if _, err := quantize.ParseGGMLType(t.v); err != nil {
			return cmdutil.FlagErrorf("%s: %v", t.flag, err)
		}
	}
	return nil
}

func quantizeRun(ctx context.Context, opts *Options) error {
	if opts.ListTypes {
		return listTypes(opts)
	}
	llama.SetVerbose(opts.IO.Verbose)
	r := opts.Run
	if opts.TensorTypeFile != "" {
		tt, err := readTensorTypes(opts.TensorTypeFile)
		if err != nil {
			return err
		}
		r.TensorTypes = append(r.TensorTypes, tt...)
	}
	bar := progress.New(ctx, opts.IO)
	r.Progress = func(p quantize.Progress) { bar.Count("quantize", "tensors", p.Done, p.Total) }
	res, err := quantize.Run(ctx, r)
	bar.Finish(err == nil)
	if err != nil {
		if quantize.IsUsage(err) {
			return cmdutil.FlagErrorf("%v", err)
		}
		return err
	}
	if !opts.IO.Quiet {
		fmt.Fprintf(opts.IO.ErrOut, "quantized %s to %s as %s: %.2f MiB -> %.2f MiB (%.2f bpw), %.1f s\n",
			res.Input, strings.Join(res.Outputs, ", "), res.Type.Name,
			float64(res.InputDataBytes)/(1<<20), float64(res.OutputDataBytes)/(1<<20), res.BitsPerWeight, res.Seconds)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return nil
}

// listTypes prints llama-quantize's table of types.
func listTypes(opts *Options) error {
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(quantize.Types())
	}
	w := tabwriter.NewWriter(opts.IO.Out, 0, 0, 2, ' ', 0)
	for _, ft := range quantize.Types() {
		num := fmt.Sprintf("%2d", ft.Ftype)
		if ft.Name == "COPY" {
			num = "  "
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\n", num, ft.Name, ft.Desc)
	}
	return w.Flush()
}

// readTensorTypes reads a --tensor-type-file: PATTERN=TYPE entries
// separated by spaces or lines. What is wrong in it fails the run (exit
// 1) naming the file and the line: the file is to be fixed, not the
// command line.
func readTensorTypes(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--tensor-type-file: %w", err)
	}
	var out []string
	for i, line := range strings.Split(string(b), "\n") {
		for _, s := range strings.Fields(line) {
			if _, err := quantize.ParseTensorType(s); err != nil {
				return nil, fmt.Errorf("--tensor-type-file %s, line %d: %v", path, i+1, err)
			}
			out = append(out, s)
		}
	}
	return out, nil
}
