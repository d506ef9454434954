package perplexitycmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/tasks"
)

func TestTaskFlags(t *testing.T) {
	tests := []struct{ args, wantErr string }{
		{args: "-m m.gguf -f t.txt --hellaswag --winogrande", wantErr: "choose one of"},
		{args: "-m m.gguf -f t.bin --multiple-choice --multiple-choice-tasks -1", wantErr: "--multiple-choice-tasks must be 0 or more"},
		{args: "-m m.gguf -f t.txt --hellaswag --kl-divergence-base b.kld", wantErr: "does not combine"},
		{args: "-m m.gguf -f t.bin --multiple-choice -np -1", wantErr: "-np/--parallel must be 0"},
		{args: "-m m.gguf --winogrande", wantErr: "-f/--file is required"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			cmdtest.Parse(t, NewCmdPerplexity, tt.args, tt.wantErr)
		})
	}
	// -b need not be a multiple of -c in a task mode
	got := cmdtest.Parse(t, NewCmdPerplexity, "-m m.gguf -f t.bin --multiple-choice --multiple-choice-tasks 7 -np 5 -c 512 -b 1000", "")
	if got.Mode != tasks.MultipleChoice || got.NTasks != 7 || got.Tasks.Parallel != 5 {
		t.Fatalf("parsed mode %q, %d tasks, -np %d", got.Mode, got.NTasks, got.Tasks.Parallel)
	}
}

func TestRunMultipleChoice(t *testing.T) {
	dir, base, _, _ := setup(t)
	var file bytes.Buffer
	var mc []tasks.MultipleChoiceTask
	for i := range 6 {
		mc = append(mc, tasks.MultipleChoiceTask{
			Question: fmt.Sprintf("質問 %d: the morning train carries how many people?", i),
			Answers:  []string{" many people", " rice fields", " mountains", " nobody at all", " 37 people"},
			Labels:   []int32{0, 0, 0, 0, 1},
		})
	}
	if err := tasks.WriteMultipleChoice(&file, mc); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "mc.bin")
	if err := os.WriteFile(path, file.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// five answers need five sequences: -np 4 is refused with what to give
	if _, _, err := execute(t, fmt.Sprintf("-m %s -f %s --multiple-choice -np 4 -t 1", base, path)); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "at least 5") {
		t.Fatalf("five answers with -np 4: %v, want an error naming %s and -np 5", err, path)
	}
	// without -np the context is sized to the file, and stderr says so
	auto, errOut, err := execute(t, fmt.Sprintf("-m %s -f %s --multiple-choice -t 1", base, path))
	if err != nil || !strings.Contains(errOut, "its largest task has 5 answers") || !strings.Contains(errOut, "-np 5") {
		t.Fatalf("five answers without -np: %v, stderr %q", err, errOut)
	}
	out, _, err := execute(t, fmt.Sprintf("-m %s -f %s --multiple-choice -np 5 -t 1", base, path))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Final result:") || !strings.Contains(out, "Random chance:") {
		t.Fatalf("stdout %q: want llama-perplexity's final and random-chance lines", out)
	}
	if auto != out {
		t.Fatalf("sized to the file:\n%s\nwith -np 5:\n%s", auto, out)
	}
	out, _, err = execute(t, fmt.Sprintf("-m %s -f %s --multiple-choice -np 5 -t 1 --json", base, path))
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Model  string `json:"model"`
		Mode   string `json:"mode"`
		Scored int    `json:"scored"`
		Items  []struct {
			Gold   int       `json:"gold"`
			Scores []float64 `json:"scores"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	if sum.Model != base || sum.Mode != "multiple-choice" || sum.Scored != 6 || len(sum.Items) != 6 || len(sum.Items[0].Scores) != 5 || sum.Items[0].Gold != 4 {
		t.Fatalf("summary %+v", sum)
	}
}
