package perplexitycmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/tasks"
)

// taskFlags are llama-perplexity's task modes: which one (at most one) and
// how many tasks of it to score.
type taskFlags struct {
	Hellaswag, Winogrande, MultipleChoice bool
	HellaswagTasks                        int
	WinograndeTasks                       int
	MultipleChoiceTasks                   int
	// Parallel is -np: the context holds max(4, Parallel) sequences; 0
	// sizes it to the task file (tasks.Parallel).
	Parallel int
}

func (t *taskFlags) register(f *pflag.FlagSet) {
	f.BoolVar(&t.Hellaswag, "hellaswag", false, "score -f as a HellaSwag task file (llama-perplexity's text format), not its perplexity")
	f.IntVar(&t.HellaswagTasks, "hellaswag-tasks", tasks.DefaultHellaswagTasks, "HellaSwag tasks to score, chosen as llama-perplexity chooses them")
	f.BoolVar(&t.Winogrande, "winogrande", false, "score -f as a Winogrande CSV (llama-perplexity's format)")
	f.IntVar(&t.WinograndeTasks, "winogrande-tasks", 0, "Winogrande tasks to score (0: all)")
	f.BoolVar(&t.MultipleChoice, "multiple-choice", false, "score -f as a multiple-choice task file (llama-perplexity's binary format; calibkit tasks build writes it)")
	f.IntVar(&t.MultipleChoiceTasks, "multiple-choice-tasks", 0, "multiple-choice tasks to score (0: all)")
	f.IntVar(&t.Parallel, "parallel", 0, "sequences decoded side by side in task modes (-np; at least 4, as llama-perplexity; 0: as many as the file's largest task has answers, JCommonsenseQA's 5)")
}

// mode returns the task mode chosen, "" for perplexity, or a usage error
// when several are.
func (t *taskFlags) mode() (tasks.Mode, int, error) {
	var mode tasks.Mode
	var n, count int
	for _, c := range []struct {
		on bool
		m  tasks.Mode
		n  int
	}{{t.Hellaswag, tasks.Hellaswag, t.HellaswagTasks}, {t.Winogrande, tasks.Winogrande, t.WinograndeTasks}, {t.MultipleChoice, tasks.MultipleChoice, t.MultipleChoiceTasks}} {
		if c.on {
			mode, n = c.m, c.n
			count++
		}
	}
	switch {
	case count > 1:
		return "", 0, cmdutil.FlagErrorf("choose one of --hellaswag, --winogrande and --multiple-choice")
	case n < 0:
		return "", 0, cmdutil.FlagErrorf("--%s-tasks must be 0 or more, not %d", mode, n)
	case t.Parallel < 0:
		return "", 0, cmdutil.FlagErrorf("-np/--parallel must be 0 (sized to the task file) or more, not %d", t.Parallel)
	}
	return mode, n, nil
}

// taskSummary is what --json prints in a task mode.
type taskSummary struct {
	Model   string  `json:"model"`
	Seconds float64 `json:"seconds"`
	*tasks.Result
}

// tasksRun scores opts.File in a task mode as llama-perplexity does: its
// running lines and final accuracy on stdout, or the JSON summary with
// every item's outcome (for paired comparisons) with --json.
func tasksRun(ctx context.Context, opts *Options) error {
	llama.SetVerbose(opts.IO.Verbose)
	f, err := os.Open(opts.File)
	if err != nil {
		return fmt.Errorf("%s: %w", opts.Mode, err)
	}
	defer f.Close()
	np, err := parallel(opts, f)
	if err != nil {
		return err
	}
	m, err := llama.LoadModel(opts.Model, llama.ModelParams{})
	if err != nil {
		return err
	}
	defer m.Close()
	to := tasks.Options{
		NCtx: opts.CtxSize, NBatch: opts.BatchSize, NUBatch: opts.UBatchSize,
		Parallel: np, Threads: opts.Threads, Tasks: opts.NTasks, Out: opts.IO.Out,
	}
	if opts.JSON {
		to.Out = nil
	}
	res, err := tasks.Score(ctx, m, opts.Mode, f, opts.File, to)
	if err != nil {
		if !strings.Contains(err.Error(), opts.File) { // the task reader names the file, the task and the byte
			err = fmt.Errorf("%s %s: %w", opts.Mode, opts.File, err)
		}
		return err
	}
	if !opts.JSON {
		return nil
	}
	enc := json.NewEncoder(opts.IO.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(finite(taskSummary{Model: opts.Model, Result: res}))
}

// parallel returns -np as given, or, when it is not, what the task file
// needs (tasks.Parallel), saying so on stderr when that is more than
// llama-perplexity's default of 4; f is left at its start.
func parallel(opts *Options, f *os.File) (int, error) {
	if opts.Tasks.Parallel > 0 {
		return opts.Tasks.Parallel, nil
	}
	np, err := tasks.Parallel(opts.Mode, f, opts.File, opts.NTasks)
	if err != nil {
		return 0, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, fmt.Errorf("%s: %w", opts.File, err)
	}
	if np > tasks.DefaultParallel && !opts.IO.Quiet {
		fmt.Fprintf(opts.IO.ErrOut, "%s: its largest task has %d answers: decoding %d sequences side by side (-np %d; llama-perplexity needs it given)\n", opts.File, np, np, np)
	}
	return np, nil
}
