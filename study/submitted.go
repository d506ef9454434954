package study

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/calibkit/calibkit/study/plan"
)

// PlanChangedError is a run given the hash of the plan its cells were
// chosen from (Options.Plan, a scheduler's array) whose study now plans
// differently: the spec or an input it names changed after the array was
// submitted, and running the cell would mix two studies in one folder.
type PlanChangedError struct {
	Spec      string // the spec's path
	Submitted string // the hash the run was given
	Now       string // the plan's hash now (short)
}

func (e *PlanChangedError) Error() string {
	return fmt.Sprintf("the study's plan is %s now, not %s as when its array was submitted: %s or an input it names changed since "+
		"(calibkit study plan); running this cell would mix two studies in one folder. Nothing was run: submit the array again "+
		"with the new plan (finished steps are kept)", e.Now, e.Submitted, e.Spec)
}

// selectCells returns the cells o.Cells name (all without any). With
// o.Plan set (a task of a scheduler's array), an index past the last cell
// is not an error but nothing to do: it is returned in pastEnd.
func selectCells(p *plan.Plan, o *Options) (cells []*plan.Cell, pastEnd []string, err error) {
	if len(o.Cells) == 0 {
		return p.Cells, nil, nil
	}
	for _, arg := range o.Cells {
		c, err := p.Cell(arg)
		var ce *plan.CellError
		if o.Plan != "" && errors.As(err, &ce) && ce.PastEnd {
			pastEnd = append(pastEnd, arg)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		cells = append(cells, c)
	}
	return cells, pastEnd, nil
}

// header writes the run's first line: the plan's hash, what this run
// does, and the threads of the model steps, e.g.
//
//	study plan 3f9c0a1b2d4e: 32 cells, 61 steps; this run: cell 5 (en/M/wiki), 3 steps; 4 threads (SLURM_CPUS_PER_TASK)
func header(w io.Writer, p *plan.Plan, o *Options, cells []*plan.Cell, pastEnd []string, steps int, a allocation) {
	if w == nil {
		return
	}
	var run string
	switch {
	case len(o.Cells) == 0:
		run = "all cells"
	case len(cells) == 0 && len(pastEnd) > 0:
		run = fmt.Sprintf("nothing (cell %s is past the last cell, %d)", strings.Join(pastEnd, ", "), len(p.Cells)-1)
	default:
		var names []string
		for _, c := range cells {
			names = append(names, fmt.Sprintf("%d (%s)", c.Index, c.ID))
		}
		run = "cell " + strings.Join(names, ", ")
		if len(names) > 1 {
			run = "cells " + strings.Join(names, ", ")
		}
	}
	threads := "threads: the engine's default (the physical cores)"
	if a.threads > 0 {
		threads = fmt.Sprintf("%d threads (%s)", a.threads, a.from)
	}
	fmt.Fprintf(w, "study plan %s: %d cells, %d steps; this run: %s, %d steps; %s\n", p.Short(), len(p.Cells), len(p.Steps), run, steps, threads)
}
