package exportcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/hfdataset"
	"github.com/calibkit/calibkit/hfdataset/llamatok"
)

// DatasetOptions are the parsed flags of `calibkit export dataset`.
type DatasetOptions struct {
	IO *iostreams.IOStreams

	Splits     []hfdataset.Split
	Output     string
	License    string
	Languages  []string
	PrettyName string
	ShardMB    int
	Samples    int
	SeqLen     int
	Seed       uint64
	Model      string
	JSON       bool
	// Command is recorded in the card and manifest (os.Args by default).
	Command []string
}

// NewCmdDataset returns `export dataset`; runF replaces the run in tests.
func NewCmdDataset(io *iostreams.IOStreams, runF func(*DatasetOptions) error) *cobra.Command {
	opts := &DatasetOptions{IO: io}
	var split string
	var splitFiles []string
	cmd := &cobra.Command{
		Use:   "dataset FILE... -o DIR",
		Short: "Write text files as a Hugging Face dataset folder (parquet shards and a dataset card)",
		Long: `Write calibration and eval text as a folder that datasets.load_dataset(DIR)
loads as is, and that ` + "`calibkit upload OWNER/NAME DIR --repo-type dataset`" + ` publishes:

  DIR/data/{split}-00000-of-0000N.parquet   zstd parquet: text, lang, source, id
  DIR/README.md                             dataset card: the Hub's YAML header
                                            and a body made from the manifests
  DIR/calibkit.manifest.json                how the folder was made

Plain text (.txt, .raw, made by calibkit mix, sweep or eval build) gives one
row per line, empty lines included, as datasets' own text loader cuts it;
JSONL (.jsonl, from calibkit corpus build) one row per record. The card
lists each file's sha256, and from its FILE.manifest.json the sources with
their sha256, the cleaning steps and their counts, the language shares,
the sizes in bytes, characters and model tokens, and the commands that
rebuild it. For a file without a manifest it says these are unknown.

With -m MODEL.gguf the card gives each split's size in the model's tokens
(each row tokenized on its own, no BOS).

--samples N --seq-len L cuts each split's text instead into N samples of L
model tokens (with -m, the model's tokenizer; only its vocabulary is loaded)
or L characters, back-to-back windows drawn without replacement by --seed,
for GPTQ/AWQ-style calibration. Asking for more than the text holds is an
error.

The folder is built beside DIR and renamed into place: an interrupted run
leaves no partial folder. An earlier export at DIR is replaced.`,
		Example: `  calibkit export dataset calib-plus-ja.txt --split-file test=ja-wiki.test.raw --license cc-by-sa-4.0 -o calib-ds
  calibkit export dataset ja-wiki.jsonl --samples 128 --seq-len 2048 -m model-f16.gguf --seed 1 -o gptq-calib-ja`,
		Args: cmdutil.Args(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Output == "" {
				return cmdutil.FlagErrorf("-o/--output DIR is required")
			}
			if len(args) == 0 && len(splitFiles) == 0 {
				return cmdutil.FlagErrorf("give at least one FILE (or --split-file NAME=FILE)")
			}
			var err error
			if opts.Splits, err = parseSplits(split, args, splitFiles); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			if opts.Samples < 0 {
				return cmdutil.FlagErrorf("--samples %d: want at least 1", opts.Samples)
			}
			if opts.Samples > 0 && opts.SeqLen < 1 {
				return cmdutil.FlagErrorf("--samples needs --seq-len L (at least 1)")
			}
			if opts.Samples == 0 && (cmd.Flags().Changed("seq-len") || cmd.Flags().Changed("seed")) {
				return cmdutil.FlagErrorf("--seq-len and --seed go with --samples N")
			}
			if opts.ShardMB < 1 {
				return cmdutil.FlagErrorf("--max-shard-size %d: want at least 1 (MiB)", opts.ShardMB)
			}
			for _, l := range opts.Languages {
				if !hfdataset.IsLangCode(l) {
					return cmdutil.FlagErrorf("--language %q: want a language code such as ja or en", l)
				}
			}
			if opts.Command == nil {
				opts.Command = os.Args
			}
			if runF != nil {
				return runF(opts)
			}
			return datasetRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", "", "dataset folder to write")
	f.StringVar(&split, "split", "train", "split the FILE arguments go to")
	f.StringArrayVar(&splitFiles, "split-file", nil, "NAME=FILE: a file for another split (repeatable)")
	f.StringVar(&opts.License, "license", "", "license id for the card (e.g. cc-by-sa-4.0); default unknown")
	f.StringArrayVar(&opts.Languages, "language", nil, "language code for the card (repeatable); default: those the manifests record")
	f.StringVar(&opts.PrettyName, "name", "", "the card's title (default: the folder's name)")
	f.IntVar(&opts.ShardMB, "max-shard-size", hfdataset.DefaultMaxShardBytes>>20, "text per parquet shard at most, in MiB")
	f.IntVar(&opts.Samples, "samples", 0, "cut each split into N samples instead of rows")
	f.IntVar(&opts.SeqLen, "seq-len", 0, "length of each sample: model tokens with -m, else characters")
	f.Uint64Var(&opts.Seed, "seed", 1, "seed of the sample draw")
	f.StringVarP(&opts.Model, "model", "m", "", "GGUF model whose tokenizer measures --seq-len, or counts the rows' tokens (vocabulary only is loaded)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary")
	return cmd
}

// parseSplits puts the positional files in split and adds NAME=FILE pairs.
func parseSplits(split string, files, pairs []string) ([]hfdataset.Split, error) {
	var out []hfdataset.Split
	index := map[string]int{}
	add := func(name, file string) error {
		if !hfdataset.ValidSplitName(name) {
			return fmt.Errorf("split name %q: want letters, digits and _ (dots between)", name)
		}
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, hfdataset.Split{Name: name})
		}
		out[i].Files = append(out[i].Files, file)
		return nil
	}
	for _, f := range files {
		if err := add(split, f); err != nil {
			return nil, fmt.Errorf("--split: %w", err)
		}
	}
	for _, p := range pairs {
		name, file, ok := strings.Cut(p, "=")
		if !ok || name == "" || file == "" {
			return nil, fmt.Errorf("--split-file %q: want NAME=FILE", p)
		}
		if err := add(name, file); err != nil {
			return nil, fmt.Errorf("--split-file: %w", err)
		}
	}
	return out, nil
}

func datasetRun(ctx context.Context, opts *DatasetOptions) error {
	o := hfdataset.Options{
		Splits: opts.Splits, Output: opts.Output, License: opts.License, Languages: opts.Languages,
		PrettyName: opts.PrettyName, MaxShardBytes: int64(opts.ShardMB) << 20, Model: opts.Model, Command: opts.Command,
	}
	var tok hfdataset.Tokenizer
	if opts.Model != "" {
		t, err := llamatok.Open(opts.Model)
		if err != nil {
			return err
		}
		defer t.Close()
		tok = t
	}
	if opts.Samples > 0 {
		o.Samples = hfdataset.SampleSpec{N: opts.Samples, SeqLen: opts.SeqLen, Seed: opts.Seed, Tokenizer: tok}
	} else {
		o.Tokenizer = tok
	}
	res, err := hfdataset.Export(ctx, o)
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintln(opts.IO.Out, res.Output)
	if opts.IO.ShowProgress() {
		for _, s := range res.Splits {
			fmt.Fprintf(opts.IO.ErrOut, "%s: %d rows, %d bytes in %d shard(s)\n", s.Name, s.Rows, s.Bytes, len(s.Shards))
		}
		for _, in := range res.Inputs {
			if in.Manifest == nil {
				fmt.Fprintf(opts.IO.ErrOut, "calibkit: %s: %s; the card says its origin is unknown\n", in.Path, in.Note)
			}
		}
	}
	return nil
}
