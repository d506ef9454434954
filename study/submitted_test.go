package study

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/study/plan"
)

// TestRunAsArrayTask: a run given its plan's hash (a task of a scheduler's
// array) logs the hash first, runs its cell, does nothing for an index
// past the last cell, and refuses a study whose plan changed, before
// anything is written.
func TestRunAsArrayTask(t *testing.T) {
	dir, s := fixture(t, "imatrix: [none]\nvariants: [M]\neval: [{name: en, file: en.raw}]\nsettings: {ctx: 64, chunks: 2, threads: 2}\n")
	p, _, _, _, err := Prepare(context.Background(), &Options{Spec: s})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")

	var log strings.Builder
	res, err := Run(context.Background(), Options{Spec: s, Dir: out, Cells: []string{"0"}, Plan: p.Short(), Log: &log})
	if err != nil || len(res.Records) != 1 || res.Threads != 2 {
		t.Fatalf("run: %v %+v", err, res)
	}
	first, _, _ := strings.Cut(log.String(), "\n")
	if want := "study plan " + p.Short() + ": 1 cells, 2 steps; this run: cell 0 (none/M/en), 2 steps; 2 threads (settings.threads)"; first != want {
		t.Errorf("first line %q, want %q", first, want)
	}

	other := filepath.Join(dir, "other")
	log.Reset()
	res, err = Run(context.Background(), Options{Spec: s, Dir: other, Cells: []string{"1"}, Plan: p.Hash, Log: &log})
	if err != nil || len(res.PastEnd) != 1 || res.PastEnd[0] != "1" || len(res.Records) != 0 {
		t.Errorf("past the end: %v %+v", err, res)
	}
	if !strings.Contains(log.String(), "this run: nothing (cell 1 is past the last cell, 0)") {
		t.Errorf("past the end logged %q", log.String())
	}
	if _, err := Run(context.Background(), Options{Spec: s, Dir: other, Cells: []string{"1"}}); !errors.As(err, new(*plan.CellError)) {
		t.Errorf("past the end without a plan: %v, want a CellError", err)
	}

	// The eval text changes after the submission: another plan.
	if err := os.WriteFile(filepath.Join(dir, "en.raw"), []byte("\n = Another text =\n\n Changed after the array was submitted .\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), Options{Spec: s, Dir: other, Cells: []string{"0"}, Plan: p.Short()})
	var pc *PlanChangedError
	if !errors.As(err, &pc) || pc.Submitted != p.Short() || pc.Now == p.Short() || !strings.Contains(err.Error(), "submit the array again") {
		t.Errorf("changed plan: %v", err)
	}
	if _, err := os.Stat(other); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused or empty run made its folder: %v", err)
	}
}
