package engine

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/calibkit/calibkit/tasks"
)

// taskFlags maps a mode to llama-perplexity's flag.
var taskFlags = map[tasks.Mode]string{tasks.Hellaswag: "--hellaswag", tasks.Winogrande: "--winogrande", tasks.MultipleChoice: "--multiple-choice"}

// Tasks implements Engine with llama-perplexity --hellaswag, --winogrande
// or --multiple-choice. Upstream prints no task index, but one line per
// task in its scoring order with the running accuracy (and, for
// Winogrande, the pick and the gold answer): each task's outcome follows
// from the change in the running count of correct answers, so every mode
// has per-task outcomes by position (Task is -1). A run whose lines skip a
// number or lack the end (the logging thread lost lines) is run again, up
// to Attempts times.
func (e *External) Tasks(ctx context.Context, j TaskJob) (*TaskResult, error) {
	args, err := TaskArgs(j)
	if err != nil {
		return nil, err
	}
	flag := taskFlags[j.Mode]
	for try := 1; ; try++ {
		out, errs, err := e.run(ctx, j.Log, "llama-perplexity", args...)
		if err != nil {
			return nil, err
		}
		r, err := ParseTasks(j.Mode, out, errs)
		if err == nil {
			return r, nil
		}
		if try == Attempts {
			return nil, fmt.Errorf("llama-perplexity %s on %s, %d times: %w (see the step log)", flag, j.File, try, err)
		}
		fmt.Fprintf(orDiscard(j.Log), "llama-perplexity's output: %v: running it again\n", err)
	}
}

// TaskArgs returns llama-perplexity's arguments for j. With Parallel 0 it
// passes the -np the task file needs when that is above upstream's 4
// (tasks.Parallel: a five-answer multiple-choice file gets -np 5, where
// upstream's default would print an error and exit 0), as the linked
// engine sizes its context; a Parallel given too small for the file is
// refused here, before llama-perplexity runs.
func TaskArgs(j TaskJob) ([]string, error) {
	flag, ok := taskFlags[j.Mode]
	if !ok {
		return nil, fmt.Errorf("task mode %q: want hellaswag, winogrande or multiple-choice", j.Mode)
	}
	args := append([]string{"-m", j.Model, "-f", j.File, flag}, common(j.Common)...)
	if j.Tasks > 0 {
		args = append(args, flag+"-tasks", strconv.Itoa(j.Tasks))
	}
	np, err := taskParallel(j)
	if err != nil {
		return nil, err
	}
	if np > 0 {
		args = append(args, "-np", strconv.Itoa(np))
	}
	return args, nil
}

// taskParallel returns the -np to pass for j, 0 for none.
func taskParallel(j TaskJob) (int, error) {
	if j.Mode != tasks.MultipleChoice {
		return j.Parallel, nil // 4 endings or 2 options: upstream's 4 sequences hold them
	}
	f, err := os.Open(j.File)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	need, err := tasks.Parallel(j.Mode, f, j.File, j.Tasks)
	if err != nil {
		return 0, err
	}
	switch {
	case j.Parallel == 0 && need > tasks.DefaultParallel:
		return need, nil
	case j.Parallel > 0 && max(tasks.DefaultParallel, j.Parallel) < need:
		return 0, fmt.Errorf("task file %s has a task with %d answers: parallel %d is too small; give parallel: %d or leave it out", j.File, need, j.Parallel, need)
	}
	return j.Parallel, nil
}

var (
	taskLineRe  = regexp.MustCompile(`^(\d+)\t(-?[0-9.]+|-?nan)%?(?:\t(.*))?$`)
	winoTailRe  = regexp.MustCompile(`^\s*(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s*$`)
	finalMCRe   = regexp.MustCompile(`Final result: (-?[0-9.]+|-?nan) \+/- (-?[0-9.]+|-?nan)`)
	finalWinoRe = regexp.MustCompile(`Final Winogrande score\((\d+) tasks\): (-?[0-9.]+) \+/- (-?[0-9.]+)`)
	endMarker   = "llama_perf_context_print"
)

// ParseTasks reads llama-perplexity's printed task lines (stdout: one
// "N\tACCURACY..." line per task; stderr: the final lines and the
// performance summary that ends every run) into a TaskResult whose
// accuracy, standard error and Wilson interval are computed from the
// per-task outcomes as calibkit's scorer computes them, and checked
// against the final line upstream prints (multiple choice; Winogrande
// from 100 tasks) to its printed precision.
func ParseTasks(mode tasks.Mode, out, errs string) (*TaskResult, error) {
	var items []tasks.Item
	correct := 0
	for _, src := range []string{out, errs} {
		if len(items) > 0 {
			break // the task lines are in one stream
		}
		sc := bufio.NewScanner(strings.NewReader(src))
		sc.Buffer(make([]byte, 64*1024), 16<<20)
		for sc.Scan() {
			m := taskLineRe.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			n, _ := strconv.Atoi(m[1])
			if n != len(items)+1 {
				return nil, fmt.Errorf("task line %d follows line %d: a line was lost", n, len(items))
			}
			acc, err := strconv.ParseFloat(m[2], 64)
			if err != nil {
				return nil, fmt.Errorf("task line %q: %w", sc.Text(), err)
			}
			now := int(math.Round(acc * float64(n) / 100))
			it := tasks.Item{Task: n - 1, Correct: now > correct}
			if mode == tasks.Winogrande {
				w := winoTailRe.FindStringSubmatch(m[3])
				if w == nil {
					return nil, fmt.Errorf("winogrande line %q: want scores, pick and gold", sc.Text())
				}
				it.Pick, _ = strconv.Atoi(w[3])
				it.Gold, _ = strconv.Atoi(w[4])
				it.Correct = it.Pick == it.Gold
			}
			if it.Correct {
				correct++
			}
			if now != correct {
				return nil, fmt.Errorf("task line %d: running accuracy %s%% is not %d of %d correct", n, m[2], correct, n)
			}
			items = append(items, it)
		}
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("no task lines (N<tab>accuracy) in llama-perplexity's output")
	}
	if !strings.Contains(errs, endMarker) && !strings.Contains(out, endMarker) {
		return nil, fmt.Errorf("no %s line after the last task: the output was cut short", endMarker)
	}
	r := tasks.Summarize(mode, items)
	all := out + "\n" + errs
	check := func(label, acc, se string) error {
		a, _ := strconv.ParseFloat(acc, 64)
		s, _ := strconv.ParseFloat(se, 64)
		if math.Abs(a-r.Accuracy) > 6e-5 || math.Abs(s-r.StdErr) > 6e-5 && !math.IsNaN(s) {
			return fmt.Errorf("%s %s +/- %s, but the task lines give %.4f +/- %.4f", label, acc, se, r.Accuracy, r.StdErr)
		}
		return nil
	}
	switch mode {
	case tasks.MultipleChoice:
		m := finalMCRe.FindStringSubmatch(all)
		if m == nil {
			return nil, fmt.Errorf("no \"Final result: X +/- E\" line: the output was cut short")
		}
		if err := check("final result", m[1], m[2]); err != nil {
			return nil, err
		}
	case tasks.Winogrande:
		if m := finalWinoRe.FindStringSubmatch(all); m != nil {
			if n, _ := strconv.Atoi(m[1]); n != len(items) {
				return nil, fmt.Errorf("final Winogrande score of %d tasks, but %d task lines", n, len(items))
			}
			if err := check("final Winogrande score", m[2], m[3]); err != nil {
				return nil, err
			}
		} else if len(items) >= 100 {
			return nil, fmt.Errorf("no final Winogrande score after %d tasks: the output was cut short", len(items))
		}
	}
	res := fromTasks(r, false)
	res.Available = 0 // upstream does not print it
	return res, nil
}
