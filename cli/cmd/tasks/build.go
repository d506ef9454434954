package taskscmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/datasets"
	"github.com/calibkit/calibkit/tasks"
)

// BuildOptions holds the parsed flags of `calibkit tasks build`.
type BuildOptions struct {
	IO *iostreams.IOStreams
	// Command is recorded in the manifest (os.Args by default).
	Command []string

	Name   string
	From   []string
	Output string
	Limit  int
	Seed   uint64
	JSON   bool
}

// NewCmdBuild returns `tasks build`; runF replaces the run in tests.
func NewCmdBuild(io *iostreams.IOStreams, runF func(*BuildOptions) error) *cobra.Command {
	opts := &BuildOptions{IO: io}
	var names []string
	for _, n := range tasks.ConverterNames() {
		c := tasks.Converters[n]
		names = append(names, fmt.Sprintf("  %-15s %-16s %s", n, c.Mode, c.Source))
	}
	cmd := &cobra.Command{
		Use:   "build NAME --from FILE... -o OUT",
		Short: "Convert a published dataset into a llama-perplexity task file",
		Long: `Convert the rows of a published dataset (JSON Lines, a JSON array or parquet;
local files or hf://datasets/OWNER/NAME[@REV]/PATH-GLOB, fetched through the
Hugging Face cache) into the task file llama-perplexity reads:
--hellaswag (6 lines per task), --winogrande (CSV) or --multiple-choice
(binary). Rows that cannot be converted (a missing field, a label out of
range, an empty choice, the unlabelled test split) are counted and named in
the manifest and the --json summary; none is dropped silently. The prompt
template of each task is in docs/tasks.md and in the manifest.

Tasks (NAME, format, source):
` + strings.Join(names, "\n"),
		Example: `  calibkit tasks build jcommonsenseqa --from valid-v1.1.json -o jcommonsenseqa.bin
  calibkit tasks build hellaswag --from hellaswag_val.jsonl -o hellaswag_val_full.txt
  calibkit tasks build arc --from 'hf://datasets/allenai/ai2_arc/ARC-Challenge/test-*.parquet' -o arc-challenge.bin
  calibkit tasks build winogrande --from dev.jsonl --limit 500 --seed 1 -o winogrande-500.csv`,
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if _, ok := tasks.Converters[opts.Name]; !ok {
				return cmdutil.FlagErrorf("unknown task %q; known: %s", opts.Name, strings.Join(tasks.ConverterNames(), ", "))
			}
			if len(opts.From) == 0 {
				return cmdutil.FlagErrorf("--from is required: the dataset's JSON Lines, JSON or parquet file(s)")
			}
			if opts.Output == "" || opts.Output == "-" {
				return cmdutil.FlagErrorf("-o/--output is required: a task file is written atomically with its manifest")
			}
			if opts.Limit < 0 {
				return cmdutil.FlagErrorf("--limit must not be negative")
			}
			if cmd.Flags().Changed("seed") && opts.Limit == 0 {
				return cmdutil.FlagErrorf("--seed draws the --limit subset: give --limit too")
			}
			if opts.Command == nil {
				opts.Command = os.Args
			}
			if runF != nil {
				return runF(opts)
			}
			return buildRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&opts.From, "from", nil, "input file, glob or hf://datasets/... address; repeatable, read in order")
	f.StringVarP(&opts.Output, "output", "o", "", "output task file")
	f.IntVar(&opts.Limit, "limit", 0, "keep at most N tasks: the first N, or N drawn with --seed (kept in input order)")
	f.Uint64Var(&opts.Seed, "seed", 0, "seed of the --limit subset (0: the first N)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary on stdout")
	return cmd
}

func buildRun(ctx context.Context, opts *BuildOptions) error {
	resolved, err := datasets.ResolveInputs(ctx, nil, opts.From)
	if err != nil {
		return err
	}
	var inputs []string
	for _, p := range resolved {
		if !strings.ContainsAny(p, "*?[") {
			inputs = append(inputs, p)
			continue
		}
		m, err := filepath.Glob(p)
		if err != nil {
			return cmdutil.FlagErrorf("--from %s: %v", p, err)
		}
		if len(m) == 0 {
			return fmt.Errorf("--from %s: no file matches", p)
		}
		sort.Strings(m)
		inputs = append(inputs, m...)
	}
	for _, in := range inputs {
		if abs(in) == abs(opts.Output) {
			return cmdutil.FlagErrorf("-o %s is also an input", opts.Output)
		}
	}
	res, err := tasks.Build(ctx, opts.Name, inputs, opts.Output, opts.Command, tasks.BuildOptions{Limit: opts.Limit, Seed: opts.Seed})
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	if !opts.IO.Quiet {
		fmt.Fprintf(opts.IO.ErrOut, "%s: %d tasks (%s) from %d rows; %d rows not convertible\n",
			res.Output, res.Written, res.Mode, res.Rows, len(res.Skipped))
		for i, s := range res.Skipped {
			if i == 5 {
				fmt.Fprintf(opts.IO.ErrOut, "  ... %d more in %s.manifest.json\n", len(res.Skipped)-5, res.Output)
				break
			}
			fmt.Fprintf(opts.IO.ErrOut, "  %s row %d: %s\n", s.File, s.Row, s.Reason)
		}
	}
	return nil
}

func abs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}
