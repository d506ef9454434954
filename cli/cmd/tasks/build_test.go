package taskscmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
)

func TestNewCmdBuildFlags(t *testing.T) {
	tests := []struct {
		name, args string
		want       BuildOptions
		wantErr    string
	}{
		{"plain", "build mmlu --from a.parquet -o m.bin", BuildOptions{Name: "mmlu", From: []string{"a.parquet"}, Output: "m.bin"}, ""},
		{"subset", "build winogrande --from a.jsonl --from b.jsonl -o w.csv --limit 10 --seed 3 --json",
			BuildOptions{Name: "winogrande", From: []string{"a.jsonl", "b.jsonl"}, Output: "w.csv", Limit: 10, Seed: 3, JSON: true}, ""},
		{"unknown task", "build squad --from a -o b", BuildOptions{}, "unknown task"},
		{"no from", "build arc -o b", BuildOptions{}, "--from is required"},
		{"no output", "build arc --from a", BuildOptions{}, "-o/--output is required"},
		{"seed without limit", "build arc --from a -o b --seed 2", BuildOptions{}, "give --limit"},
		{"no name", "build --from a -o b", BuildOptions{}, "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdTasks, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if got.Name != tt.want.Name || strings.Join(got.From, ",") != strings.Join(tt.want.From, ",") || got.Output != tt.want.Output ||
				got.Limit != tt.want.Limit || got.Seed != tt.want.Seed || got.JSON != tt.want.JSON {
				t.Errorf("options %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestBuildRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "valid.json")
	rows := `{"q_id": 0, "question": "q?", "choice0": "a", "choice1": "b", "choice2": "c", "choice3": "d", "choice4": "e", "label": 4}
{"q_id": 1, "question": "q2?", "choice0": "a", "choice1": "b", "choice2": "c", "choice3": "d", "label": 0}
`
	if err := os.WriteFile(in, []byte(rows), 0o644); err != nil {
		t.Fatal(err)
	}
	io, _, out, _ := iostreams.Test()
	opts := &BuildOptions{IO: io, Name: "jcommonsenseqa", From: []string{filepath.Join(dir, "*.json")}, Output: filepath.Join(dir, "j.bin"), JSON: true}
	if err := buildRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Written int
		Skipped []struct {
			Row    int
			Reason string
		}
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if res.Written != 1 || len(res.Skipped) != 1 || res.Skipped[0].Row != 1 || !strings.Contains(res.Skipped[0].Reason, "choice4") {
		t.Errorf("summary %s", out.String())
	}
	if b, err := os.ReadFile(opts.Output); err != nil || !bytes.HasPrefix(b, []byte{1, 0, 0, 0}) {
		t.Errorf("output %v %v", b, err)
	}
}
