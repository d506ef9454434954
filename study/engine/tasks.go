package engine

import (
	"context"
	"fmt"
	"os"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/tasks"
)

// TaskJob scores the task file File (llama-perplexity's format for Mode)
// with Model.
type TaskJob struct {
	Common
	Model, File string
	Mode        tasks.Mode
	// Tasks is --hellaswag-tasks, --winogrande-tasks or
	// --multiple-choice-tasks (0: upstream's default, 400 for HellaSwag,
	// all for the others); Parallel is -np (0: sized to the file, at least
	// upstream's 4; see tasks.Parallel).
	Tasks    int
	Parallel int
}

// TaskItem is one scored task: its position in the scoring order (the
// order upstream selects and prints tasks in), its index in the file when
// the engine knows it (-1 otherwise), and whether the model picked the
// right answer.
type TaskItem struct {
	Pos     int  `json:"pos"`
	Task    int  `json:"task"`
	Correct bool `json:"correct"`
}

// TaskResult is a task score: accuracy and its standard error in percent
// as llama-perplexity computes them, the 95% Wilson interval in percent,
// and each task's outcome in the order scored.
type TaskResult struct {
	Mode      string     `json:"mode"`
	Available int        `json:"available,omitempty"`
	Scored    int        `json:"scored"`
	Correct   int        `json:"correct"`
	Accuracy  float64    `json:"accuracy"`
	StdErr    float64    `json:"stderr"`
	Wilson95  [2]float64 `json:"wilson95"`
	Items     []TaskItem `json:"items"`
}

// fromTasks copies a tasks.Result; file says whether its item indexes are
// indexes in the task file.
func fromTasks(r *tasks.Result, file bool) *TaskResult {
	out := &TaskResult{Mode: string(r.Mode), Available: r.Available, Scored: r.Scored, Correct: r.Correct,
		Accuracy: r.Accuracy, StdErr: r.StdErr, Wilson95: r.Wilson95, Items: make([]TaskItem, len(r.Items))}
	for i, it := range r.Items {
		t := it.Task
		if !file {
			t = -1
		}
		out.Items[i] = TaskItem{Pos: i, Task: t, Correct: it.Correct}
	}
	return out
}

// Tasks implements Engine with tasks.Score.
func (Linked) Tasks(ctx context.Context, j TaskJob) (*TaskResult, error) {
	f, err := os.Open(j.File)
	if err != nil {
		return nil, fmt.Errorf("task file: %w", err)
	}
	defer f.Close()
	m, err := llama.LoadModel(j.Model, llama.ModelParams{})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	o := tasks.Options{NCtx: j.Ctx, NBatch: j.Batch, NUBatch: min(512, j.Batch), Parallel: j.Parallel, Threads: j.Threads, Tasks: j.Tasks, Out: j.Log}
	r, err := tasks.Score(ctx, m, j.Mode, f, j.File, o)
	if err != nil {
		return nil, fmt.Errorf("%s tasks of %s on %s: %w", j.Mode, j.Model, j.File, err)
	}
	return fromTasks(r, true), nil
}
