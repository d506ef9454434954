// Package studycmd implements `calibkit study`: run an imatrix study from
// its spec (run), list its cells and steps (plan), and rebuild its table
// and charts from results.jsonl (report).
package studycmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/modelcard"
	"github.com/calibkit/calibkit/study"
	"github.com/calibkit/calibkit/study/plan"
	"github.com/calibkit/calibkit/study/results"
	"github.com/calibkit/calibkit/study/spec"
)

// Options are the parsed arguments of the study subcommands.
type Options struct {
	IO *iostreams.IOStreams

	Spec     string   // STUDY.yaml (run, plan)
	Dir      string   // -o DIR (run), DIR (report)
	Cells    []string // --cell (run)
	LlamaCpp string   // --llama-cpp DIR (run, plan)
	Plan     string   // --plan HASH (run)
	JSON     bool
	Array    bool // --array (plan)
}

// NewCmdStudy returns `study` with its subcommands; runF replaces the real
// runs in tests (it gets the subcommand's name).
func NewCmdStudy(io *iostreams.IOStreams, runF func(string, *Options) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "study <command>",
		Short: "Run an imatrix study (sources × variants × eval and task sets) as one resumable command",
		Long: `An imatrix study quantizes one model with several importance matrices and
variants and scores every quant on several eval sets (perplexity, and KL
divergence to the unquantized model) and task sets (accuracy). Its spec
(STUDY.yaml) names the model, the imatrix sources (none, a file, a text, a
mix or a sweep of shares), the variants (M, L, fp16 or type plus
overrides), the eval sets and the task sets; docs/study.md is its
reference.

Every step's output is stored under a hash of its inputs and parameters in
DIR/steps, so a rerun does only what is missing or what a changed input
invalidates, and any number of "study run --cell" processes can share DIR.`,
	}
	cmd.AddCommand(newCmdRun(io, runF), newCmdPlan(io, runF), newCmdReport(io, runF))
	return cmd
}

func newCmdRun(io *iostreams.IOStreams, runF func(string, *Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "run STUDY.yaml [-o DIR] [--cell ID]... [--llama-cpp DIR]",
		Short: "Run a study's cells and the steps they need, skipping what is done",
		Long: `Run the cells of a study (all, or those named with --cell by index or ID, as
"calibkit study plan" lists them) and every step they need: mix or sweep,
imatrix, quantize, perplexity (and KL divergence with settings.kld_base).
Steps already in DIR/steps are not run again; a step another process is
computing is waited for. A failed step is reported with its log and fails
the cells that need it; the others go on, and the exit status is 1.
Ctrl-C stops at once; rerunning goes on from the steps that finished.

Each cell's record is appended to DIR/results.jsonl, and DIR/results.md,
results.csv and the PNG charts are rebuilt from it.

--llama-cpp DIR runs the imatrix, quantize and perplexity steps with
llama.cpp's own tools from DIR (llama-imatrix, llama-quantize,
llama-perplexity), e.g. a CUDA or Metal build, with the same parameters.

--plan HASH makes the run a task of a scheduler's array submitted for that
plan ("calibkit study plan --array" prints it): if the spec or an input
changed since, the study now plans differently and the run is refused
(exit 1) before anything runs, rather than mixing two studies in DIR; and
a --cell index past the last cell has nothing to do (exit 0), so that an
array larger than the plan does not fail. The first line a run logs names
its plan's hash.

With settings.threads at 0 the model steps use the CPUs the process was
given: SLURM_CPUS_PER_TASK (or SLURM_CPUS_ON_NODE) in a Slurm task, else
its affinity mask and cgroup CPU limit (a container's); on a whole machine
the physical cores.`,
		Example: `  calibkit study run examples/studies/imatrix-jpn-test.yaml -o jpn-test
  calibkit study run study.yaml -o /shared/study --cell 7
  calibkit study run study.yaml -o /shared/study --cell "$SLURM_ARRAY_TASK_ID" --plan 3f9c0a1b2d4e
  calibkit study run study.yaml -o out --llama-cpp ~/llama.cpp/build/bin`,
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Spec = args[0]
			if opts.Dir == "" {
				return cmdutil.FlagErrorf("-o/--output DIR is required")
			}
			if opts.Plan != "" && !isPlanHash(opts.Plan) {
				return cmdutil.FlagErrorf("--plan %q: want the plan's hash, %d to 64 hex digits, as calibkit study plan --array prints it", opts.Plan, plan.ShortHash)
			}
			if runF != nil {
				return runF("run", opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Dir, "output", "o", "", "study folder: step cache, logs and results (required)")
	cmd.Flags().StringArrayVar(&opts.Cells, "cell", nil, "run only this cell, by index or ID (repeatable)")
	cmd.Flags().StringVar(&opts.LlamaCpp, "llama-cpp", "", "folder of llama.cpp's llama-imatrix, llama-quantize and llama-perplexity to run the model steps with")
	cmd.Flags().StringVar(&opts.Plan, "plan", "", "run only if the study still plans as HASH (a scheduler's array); a --cell past the last cell is then nothing to do")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON summary of the run on stdout")
	return cmd
}

// isPlanHash reports whether h can name a plan: plan.ShortHash to 64 hex
// digits.
func isPlanHash(h string) bool {
	return len(h) >= plan.ShortHash && len(h) <= 64 && strings.Trim(h, "0123456789abcdefABCDEF") == ""
}

func newCmdPlan(io *iostreams.IOStreams, runF func(string, *Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "plan STUDY.yaml [--json]",
		Short: "List a study's cells and steps with their stable IDs and keys",
		Long: `Check a study spec and list its cells (index and ID, for "study run --cell")
and the steps each needs, with each step's key: the hash of its inputs'
contents and parameters, the same on every host. Nothing is run.

The plan's own hash names all of that; --array prints only the number of
cells and the hash ("32 3f9c0a1b2d4e"), what a scheduler's array is
submitted with (examples/scale-out/slurm-study.sh reads it; "study run
--cell I --plan HASH" refuses a study changed since).`,
		Example: `  calibkit study plan study.yaml
  calibkit study plan study.yaml --array
  calibkit study plan study.yaml --json`,
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Spec = args[0]
			if runF != nil {
				return runF("plan", opts)
			}
			return planRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.LlamaCpp, "llama-cpp", "", "plan for llama.cpp's own tools from this folder (their identity is part of the keys)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the plan as JSON")
	cmd.Flags().BoolVar(&opts.Array, "array", false, "print only the number of cells and the plan's hash, for submitting an array")
	return cmd
}

func newCmdReport(io *iostreams.IOStreams, runF func(string, *Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "report DIR",
		Short: "Rebuild a study's results.md, results.csv and charts from results.jsonl",
		Long: `Read DIR/results.jsonl (the last record of each cell; a line cut short by a
kill is left out) and write DIR/results.csv, DIR/results.md (the table of
variants × imatrix sources with a column per eval set, and each cell's
paired per-chunk comparison with the baseline) and the PNG charts.`,
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = args[0]
			if runF != nil {
				return runF("report", opts)
			}
			return reportRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print what was written as JSON")
	return cmd
}

// loadSpec reads the spec. Whatever is wrong with it fails the run (exit
// 1), with no usage hint: an unknown key or a bad value (the message names
// FILE:LINE:COLUMN and what is allowed there), a spec that cannot be read,
// an input it names that does not exist. The command line was right; the
// file is to be fixed, and calibkit --help would not say how.
func loadSpec(path string) (*spec.Spec, error) { return spec.Load(path) }

func runRun(ctx context.Context, opts *Options) error {
	s, err := loadSpec(opts.Spec)
	if err != nil {
		return err
	}
	o := study.Options{Spec: s, Dir: opts.Dir, Cells: opts.Cells, LlamaCpp: opts.LlamaCpp, Plan: opts.Plan, PageCommands: modelcard.CellCommands}
	if opts.IO.ShowProgress() {
		o.Progress = opts.IO.ErrOut
	} else if !opts.IO.Quiet {
		o.Log = opts.IO.ErrOut
	}
	res, err := study.Run(ctx, o)
	var ce *plan.CellError
	if errors.As(err, &ce) {
		return &cmdutil.FlagError{Err: err}
	}
	if err == nil && res != nil && len(res.PastEnd) > 0 && len(res.Records) == 0 && res.Report == nil && !opts.JSON {
		fmt.Fprintf(opts.IO.Out, "nothing to do: cell %s is past the last cell (%d) of plan %s; the array is larger than the plan\n",
			strings.Join(res.PastEnd, ", "), len(res.Plan.Cells)-1, res.Plan.Short())
		return nil
	}
	if res != nil {
		if opts.JSON {
			enc := json.NewEncoder(opts.IO.Out)
			enc.SetIndent("", "  ")
			if e := enc.Encode(res); e != nil {
				return e
			}
		} else if res.Report != nil && res.Report.Markdown != "" {
			fmt.Fprintf(opts.IO.Out, "%d steps run, %d cached, %d done by another process; %d cell records\n",
				res.Computed, res.Cached, res.Waited, len(res.Records))
			printReport(opts.IO.Out, res.Report)
		}
	}
	if errors.Is(err, study.ErrStepsFailed) {
		fmt.Fprintf(opts.IO.ErrOut, "calibkit: %v\n", err)
		return cmdutil.ErrSilent
	}
	return err
}

func printReport(w io.Writer, r *results.Report) {
	fmt.Fprintf(w, "table: %s\ncsv:   %s\npage:  %s\n", r.Markdown, r.CSV, r.Page)
	for _, c := range r.Charts {
		fmt.Fprintf(w, "chart: %s\n", c)
	}
}

func planRun(ctx context.Context, opts *Options) error {
	s, err := loadSpec(opts.Spec)
	if err != nil {
		return err
	}
	p, _, _, _, err := study.Prepare(ctx, &study.Options{Spec: s, LlamaCpp: opts.LlamaCpp})
	if err != nil {
		return err
	}
	if opts.Array {
		fmt.Fprintf(opts.IO.Out, "%d %s\n", len(p.Cells), p.Short())
		return nil
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	fmt.Fprintf(opts.IO.Out, "%d cells, %d steps (engine %s), plan %s\n", len(p.Cells), len(p.Steps), p.Engine, p.Short())
	for _, c := range p.Cells {
		fmt.Fprintf(opts.IO.Out, "%4d  %s\n", c.Index, c.ID)
	}
	return nil
}

func reportRun(opts *Options) error {
	info, err := results.ReadInfo(opts.Dir)
	if err != nil {
		return err
	}
	if c, cerr := modelcard.CellCommands(opts.Dir); cerr == nil {
		if info == nil {
			info = &results.PageInfo{}
		}
		info.Commands = c
	}
	r, err := results.BuildWith(opts.Dir, "", info)
	if err != nil {
		return err
	}
	if r.Records == 0 {
		return fmt.Errorf("%s/%s holds no records: run the study first (calibkit study run STUDY.yaml -o %s)", opts.Dir, results.FileName, opts.Dir)
	}
	if r.Skipped > 0 {
		fmt.Fprintf(opts.IO.ErrOut, "calibkit: warning: %d lines of %s/%s could not be read (cut short by a kill?) and were left out; rerun the study to redo those cells\n", r.Skipped, opts.Dir, results.FileName)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	printReport(opts.IO.Out, r)
	return nil
}
