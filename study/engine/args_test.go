package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/tasks"
)

func TestImatrixArgsParseSpecial(t *testing.T) {
	for _, special := range []bool{false, true} {
		args := ImatrixArgs(ImatrixJob{Model: "m.gguf", Text: "chat.txt", Output: "im.gguf", ParseSpecial: special})
		if got := slices.Contains(args, "--parse-special"); got != special {
			t.Errorf("ParseSpecial %v: args %q", special, args)
		}
		if args[0] != "-m" || args[1] != "m.gguf" || args[3] != "chat.txt" {
			t.Errorf("args %q", args)
		}
	}
}

// TestTaskArgsParallel: llama-perplexity gets the -np a multiple-choice
// file needs when the spec gives none (its default of 4 would print an
// error and exit 0 on five answers), the spec's when it is enough, and a
// spec's that is too small is refused before anything runs.
func TestTaskArgsParallel(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, answers int) string {
		tk := tasks.MultipleChoiceTask{Question: "Q?", Labels: make([]int32, answers)}
		for i := range answers {
			tk.Answers = append(tk.Answers, fmt.Sprint("answer ", i))
		}
		tk.Labels[0] = 1
		var b bytes.Buffer
		if err := tasks.WriteMultipleChoice(&b, []tasks.MultipleChoiceTask{tk, tk}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	five, four := write("five.mc", 5), write("four.mc", 4)
	tests := []struct {
		mode     tasks.Mode
		file     string
		parallel int
		np       string // "" for no -np
		err      string
	}{
		{tasks.MultipleChoice, five, 0, "5", ""},
		{tasks.MultipleChoice, four, 0, "", ""},
		{tasks.MultipleChoice, five, 8, "8", ""},
		{tasks.MultipleChoice, four, 2, "2", ""},
		{tasks.MultipleChoice, five, 4, "", "give parallel: 5 or leave it out"},
		{tasks.MultipleChoice, filepath.Join(dir, "missing.mc"), 0, "", "missing.mc"},
		{tasks.Hellaswag, "hs.txt", 0, "", ""},
		{tasks.Winogrande, "wg.csv", 6, "6", ""},
	}
	for _, tt := range tests {
		args, err := TaskArgs(TaskJob{Model: "m.gguf", File: tt.file, Mode: tt.mode, Parallel: tt.parallel})
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s %s parallel %d: %v, want an error with %q", tt.mode, filepath.Base(tt.file), tt.parallel, err, tt.err)
			}
			continue
		}
		np := ""
		if i := slices.Index(args, "-np"); i >= 0 {
			np = args[i+1]
		}
		if err != nil || np != tt.np {
			t.Errorf("%s %s parallel %d: -np %q, %v; want %q (args %q)", tt.mode, filepath.Base(tt.file), tt.parallel, np, err, tt.np, args)
		}
	}
}
