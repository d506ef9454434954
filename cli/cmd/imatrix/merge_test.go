package imatrixcmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/manifest"
)

func TestMergeFlags(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "a.gguf")
	os.WriteFile(existing, []byte("x"), 0o644)
	tests := []struct {
		args    string
		wantErr string
		check   func(*MergeOptions) bool
	}{
		{args: "a.gguf b.gguf -o m.gguf", check: func(o *MergeOptions) bool {
			return o.Format == imatrix.FormatGGUF && reflect.DeepEqual(o.Weights, []float64{1, 1}) && o.DatChunkSize == 512
		}},
		{args: "a.gguf b.dat -o m.dat --weights 1,0.5 -c 256 --json", check: func(o *MergeOptions) bool {
			return o.Format == imatrix.FormatDat && reflect.DeepEqual(o.Weights, []float64{1, 0.5}) && o.DatChunkSize == 256 && o.JSON
		}},
		{args: "a.gguf b.gguf -o m.bin", check: func(o *MergeOptions) bool { return o.Format == imatrix.FormatGGUF }},
		{args: "a.gguf b.gguf -o m.gguf --output-format dat", check: func(o *MergeOptions) bool { return o.Format == imatrix.FormatDat }},
		{args: "a.gguf -o m.gguf", wantErr: "requires at least 2 arg"},
		{args: "a.gguf b.gguf", wantErr: "-o/--output is required"},
		{args: "a.gguf b.gguf -o m.gguf --weights 1", wantErr: "--weights has 1 values for 2 input files"},
		{args: "a.gguf b.gguf -o m.gguf --weights 1,0", wantErr: "must be a positive number"},
		{args: "a.gguf b.gguf -o m.gguf --weights 1,x", wantErr: "invalid argument"},
		{args: "a.gguf b.gguf -o m.gguf --output-format xml", wantErr: "unknown imatrix format"},
		{args: "a.gguf b.gguf -o m.gguf -c 0", wantErr: "-c/--ctx-size must be positive"},
		{args: existing + " b.gguf -o " + existing, wantErr: "is also an input"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdMerge, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if !tt.check(got) {
				t.Errorf("parsed %+v", got)
			}
		})
	}
}

func TestMergeRun(t *testing.T) {
	dir := t.TempDir()
	a, b := toolsData(1, 2, 8), toolsData(2, 2, 8)
	pa, pb := writeTool(t, dir, "a.gguf", a), writeTool(t, dir, "b.gguf", b)
	out := filepath.Join(dir, "m.gguf")
	stdout, _, err := runTool(t, "merge", pa, pb, "--weights", "1,0.5", "-o", out, "--json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := imatrix.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := imatrix.Merge([]imatrix.MergeInput{{Name: pa, Data: a, Weight: 1}, {Name: pb, Data: b, Weight: 0.5}})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("merged file differs from imatrix.Merge")
	}
	if got.Datasets[0] != "text1.txt" || got.Datasets[1] != "text2.txt" {
		t.Errorf("datasets %q", got.Datasets)
	}
	var sum outputSummary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil || sum.Entries != 4 || sum.Format != "gguf" {
		t.Errorf("summary %+v, %v", sum, err)
	}
	m, err := manifest.Read(manifest.Path(out))
	if err != nil || len(m.Inputs) != 2 || m.Inputs[1].Path != pb || len(m.Inputs[0].SHA256) != 64 {
		t.Fatalf("manifest %+v, %v", m, err)
	}
	if w := m.Parameters["weights"].([]any); w[1].(float64) != 0.5 {
		t.Errorf("manifest weights %v", w)
	}

	// A .dat output leaves out weights without data and says so.
	empty := toolsData(1, 1, 8)
	empty.Entries[1].Counts = []int64{0, 0}
	for i := range empty.Entries[1].Sums {
		empty.Entries[1].Sums[i] = 0
	}
	pe := writeTool(t, dir, "empty.gguf", empty)
	pe2 := writeTool(t, dir, "empty2.gguf", empty)
	outDat := filepath.Join(dir, "m.dat")
	_, stderr, err := runTool(t, "merge", pe, pe2, "-o", outDat)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "1 weights without data are left out") {
		t.Errorf("stderr %q", stderr)
	}
	d, err := imatrix.ReadFile(outDat)
	if err != nil || len(d.Entries) != 1 {
		t.Errorf("dat output: %v, %+v", err, d)
	}
}

func TestMergeDifferentModels(t *testing.T) {
	dir := t.TempDir()
	pa := writeTool(t, dir, "a.gguf", toolsData(1, 2, 8))
	pb := writeTool(t, dir, "b.gguf", toolsData(1, 2, 12))
	out := filepath.Join(dir, "m.gguf")
	_, _, err := runTool(t, "merge", pa, pb, "-o", out)
	if err == nil || !strings.Contains(err.Error(), pa) || !strings.Contains(err.Error(), pb) || !strings.Contains(err.Error(), "blk.0.attn_q.weight") {
		t.Fatalf("got %v", err)
	}
	if ents, _ := filepath.Glob(filepath.Join(dir, "m.gguf*")); len(ents) != 0 {
		t.Errorf("left %v behind", ents)
	}
}

// Weights that only some inputs have are kept, as llama-imatrix keeps them,
// with a warning that names one and a file that lacks it.
func TestMergeWarnsAboutPartialWeights(t *testing.T) {
	dir := t.TempDir()
	pa := writeTool(t, dir, "a.gguf", toolsData(1, 2, 8))
	pb := writeTool(t, dir, "b.gguf", toolsData(2, 1, 8))
	out := filepath.Join(dir, "m.gguf")
	_, stderr, err := runTool(t, "merge", pa, pb, "-o", out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "2 weights are missing from some inputs (e.g. blk.1.attn_q.weight is not in " + pb; !strings.Contains(stderr, want) {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	if d, err := imatrix.ReadFile(out); err != nil || len(d.Entries) != 4 {
		t.Errorf("merged: %v, %+v", err, d)
	}
	_, stderr, err = runTool(t, "merge", pa, pa, "-o", filepath.Join(dir, "same.gguf"))
	if err != nil || strings.Contains(stderr, "missing") {
		t.Errorf("same weights: %v, %q", err, stderr)
	}
}
