package modelcard

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/study/results"
)

func TestBadInput(t *testing.T) {
	src := fixtureStudy(t)
	full, err := os.ReadFile(filepath.Join(src, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(full), "\n"), "\n")
	tests := []struct {
		name     string
		prepare  func(dir string) string // returns the study folder to give
		wantPath string                  // the file the error names, relative to the folder ("." the folder)
		want     string
	}{
		{"no folder", func(dir string) string { return filepath.Join(dir, "nope") }, ".", "no such study folder"},
		{"not a study", func(dir string) string {
			os.Remove(filepath.Join(dir, results.FileName))
			return dir
		}, ".", "not a study folder: it has no results.jsonl"},
		{"empty results", func(dir string) string {
			os.WriteFile(filepath.Join(dir, results.FileName), nil, 0o644)
			return dir
		}, results.FileName, "holds no record"},
		{"only a cut line", func(dir string) string {
			os.WriteFile(filepath.Join(dir, results.FileName), []byte(lines[0][:len(lines[0])/2]), 0o644)
			return dir
		}, results.FileName, "holds no complete record (1 line(s) cut short"},
		{"missing chart", func(dir string) string {
			os.Remove(filepath.Join(dir, "chart-ja.png"))
			return dir
		}, "chart-ja.png", "the chart is missing: redraw the study's charts with calibkit study report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.prepare(copyStudy(t, src))
			out := filepath.Join(t.TempDir(), "README.md")
			_, err := Write(context.Background(), Options{Dir: dir, Output: out})
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want an InputError with %q", err, tt.want)
			}
			if want := filepath.Join(dir, tt.wantPath); filepath.Clean(ie.Path) != filepath.Clean(want) {
				t.Errorf("the error names %s, want %s", ie.Path, want)
			}
			ents, _ := os.ReadDir(filepath.Dir(out))
			if len(ents) != 0 {
				t.Errorf("a failed card left %d file(s) beside the output, e.g. %s", len(ents), ents[0].Name())
			}
		})
	}
}

// A last line cut short by a kill is left out as the study's reader leaves
// it out: its cell shows as without a result, and the card says so.
func TestCutLastLine(t *testing.T) {
	src := fixtureStudy(t)
	dir := copyStudy(t, src)
	full, _ := os.ReadFile(filepath.Join(dir, results.FileName))
	lines := strings.SplitAfter(strings.TrimSuffix(string(full), "\n"), "\n")
	last := lines[len(lines)-1]
	cut := strings.Join(lines[:len(lines)-1], "") + last[:len(last)/2]
	os.WriteFile(filepath.Join(dir, results.FileName), []byte(cut), 0o644)
	out := filepath.Join(t.TempDir(), "README.md")
	res, err := Write(context.Background(), Options{Dir: dir, Output: out})
	if err != nil {
		t.Fatal(err)
	}
	card, _ := os.ReadFile(out)
	if res.Skipped != 1 || res.Results != len(lines)-1 || !strings.Contains(string(card), "1 line(s) of results.jsonl were cut short") {
		t.Errorf("skipped %d, %d results of %d lines", res.Skipped, res.Results, len(lines))
	}
	if !strings.Contains(string(card), "no result (not run, or its record was cut short)") {
		t.Error("the cut cell does not show as without a result")
	}
}

// Without plan.json the card is made from the records alone and says
// which cells failed is unknown.
func TestNoPlan(t *testing.T) {
	dir := copyStudy(t, fixtureStudy(t))
	os.Remove(filepath.Join(dir, PlanFile))
	out := filepath.Join(t.TempDir(), "README.md")
	if _, err := Write(context.Background(), Options{Dir: dir, Output: out}); err != nil {
		t.Fatal(err)
	}
	card, _ := os.ReadFile(out)
	for _, want := range []string{"Which planned cells have no result is unknown", "The spec is unknown", "TEXT-en.txt"} {
		if !strings.Contains(string(card), want) {
			t.Errorf("the card lacks %q", want)
		}
	}
}

func TestOutputChecks(t *testing.T) {
	dir := fixtureStudy(t)
	tmp := t.TempDir()
	for _, tt := range []struct{ out, want string }{
		{filepath.Join(tmp, "no", "README.md"), "does not exist"},
		{tmp, "is a folder"},
	} {
		if _, err := Write(context.Background(), Options{Dir: dir, Output: tt.out}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("output %s: %v, want %q", tt.out, err, tt.want)
		}
	}
}

// A card written into the study folder links the charts where they are.
func TestCardInStudyFolder(t *testing.T) {
	dir := copyStudy(t, fixtureStudy(t))
	out := filepath.Join(dir, "README.md")
	res, err := Write(context.Background(), Options{Dir: dir, Output: out})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range res.Charts {
		if filepath.Dir(ch) != dir {
			t.Errorf("chart %s is not the study's own", ch)
		}
	}
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), "![chart-en.png](chart-en.png)") {
		t.Error("the card does not link chart-en.png")
	}
}
