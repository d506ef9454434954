package exportcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/modelcard"
)

// ModelCardOptions are the parsed flags of `calibkit export model-card`.
type ModelCardOptions struct {
	IO *iostreams.IOStreams

	Dir     string
	Output  string
	License string
	JSON    bool
	// Command is recorded in the card and manifest (os.Args by default).
	Command []string
}

// NewCmdModelCard returns `export model-card`; runF replaces the run in
// tests.
func NewCmdModelCard(io *iostreams.IOStreams, runF func(*ModelCardOptions) error) *cobra.Command {
	opts := &ModelCardOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "model-card STUDY_DIR -o README.md",
		Short: "Write the Hugging Face model card of a study's quants",
		Long: `Write the model card (README.md) of the quants a study made, from its folder
(the -o DIR of calibkit study run): the Hub's YAML header (base_model when the
model came from the Hub as hf://OWNER/REPO/FILE.gguf, base_model_relation,
license, language from the imatrix sources' manifests, tags gguf, imatrix,
quantized), and a body with the study's table (a row per variant and imatrix
source, a column per eval set: PPL ± error and the paired ratio against the
baseline, failed cells shown as failed), its charts (copied beside the card
and linked), how to read the paired intervals, the imatrix sources with their
sizes and language shares, the quant and eval sizes, the calibkit and
llama.cpp commands (llama-imatrix, llama-quantize, llama-perplexity) that
rebuild each artifact, and the caveats the records show. What the folder does
not record, the card says is unknown.

The card is written atomically with README.md.manifest.json beside it; any
error leaves no card. A folder without results.jsonl, or whose results.jsonl
holds no complete record, or whose chart of an eval set is missing, is
refused with the file named.`,
		Example: `  calibkit export model-card jpn-test -o model-repo/README.md --license apache-2.0
  calibkit export model-card jpn-test -o model-repo/README.md --json`,
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if opts.Output == "" {
				return cmdutil.FlagErrorf("-o/--output README.md is required")
			}
			if opts.License != "" && !modelcard.IsLicenseID(opts.License) {
				return cmdutil.FlagErrorf("--license %q: want a Hub license id such as apache-2.0, mit or cc-by-sa-4.0", opts.License)
			}
			if opts.Command == nil {
				opts.Command = os.Args
			}
			if runF != nil {
				return runF(opts)
			}
			return modelCardRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", "", "the card to write (README.md); the charts go beside it")
	f.StringVar(&opts.License, "license", "", "license id for the card (e.g. apache-2.0); default: the base model's when its card is in the Hugging Face cache, else unknown")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary")
	return cmd
}

func modelCardRun(ctx context.Context, opts *ModelCardOptions) error {
	res, err := modelcard.Write(ctx, modelcard.Options{Dir: opts.Dir, Output: opts.Output, License: opts.License, Command: opts.Command})
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintln(opts.IO.Out, res.Card)
	for _, m := range res.Missing {
		fmt.Fprintf(opts.IO.ErrOut, "calibkit: cell %s\n", m)
	}
	if res.Skipped > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "calibkit: %d line(s) of results.jsonl cut short or not records were left out\n", res.Skipped)
	}
	return nil
}
