package exportcmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/hfdataset"
	"github.com/calibkit/calibkit/internal/synth"
)

func TestNewCmdDatasetFlags(t *testing.T) {
	tests := []struct {
		args    string
		check   func(*DatasetOptions) bool
		wantErr string
	}{
		{args: "a.txt b.jsonl -o ds", check: func(o *DatasetOptions) bool {
			return len(o.Splits) == 1 && o.Splits[0].Name == "train" && len(o.Splits[0].Files) == 2 && o.ShardMB == 500
		}},
		{args: "a.txt --split-file test=e.raw --split-file test=f.raw --split calib -o ds --license mit --language ja --language en", check: func(o *DatasetOptions) bool {
			return len(o.Splits) == 2 && o.Splits[0].Name == "calib" && o.Splits[1].Name == "test" && len(o.Splits[1].Files) == 2 &&
				o.License == "mit" && strings.Join(o.Languages, ",") == "ja,en"
		}},
		{args: "a.txt -o ds --samples 4 --seq-len 8 --seed 3 -m m.gguf", check: func(o *DatasetOptions) bool {
			return o.Samples == 4 && o.SeqLen == 8 && o.Seed == 3 && o.Model == "m.gguf"
		}},
		{args: "a.txt", wantErr: "-o/--output DIR is required"},
		{args: "-o ds", wantErr: "at least one FILE"},
		{args: "a.txt -o ds --split 'a b'", wantErr: "split name"},
		{args: "a.txt -o ds --split-file nofile", wantErr: "want NAME=FILE"},
		{args: "a.txt -o ds --samples 3", wantErr: "--seq-len"},
		{args: "a.txt -o ds --seq-len 3", wantErr: "go with --samples"},
		{args: "a.txt -o ds -m m.gguf", check: func(o *DatasetOptions) bool { return o.Model == "m.gguf" && o.Samples == 0 }},
		{args: "a.txt -o ds --language japanese", wantErr: "language code"},
		{args: "a.txt -o ds --max-shard-size 0", wantErr: "--max-shard-size"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdDataset, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if !tt.check(got) {
				t.Errorf("options %+v", *got)
			}
		})
	}
}

func TestDatasetRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "calib.txt")
	os.WriteFile(in, []byte(strings.Repeat("春には桜が咲く。The quick brown fox.\n", 30)), 0o644)
	model := filepath.Join(dir, "tiny.gguf")
	if err := synth.WriteFile(model, synth.Default()); err != nil {
		t.Fatal(err)
	}
	ios, _, stdout, _ := iostreams.Test()
	out := filepath.Join(dir, "ds")
	err := datasetRun(context.Background(), &DatasetOptions{IO: ios, Output: out, JSON: true, ShardMB: 500,
		Splits: []hfdataset.Split{{Name: "train", Files: []string{in}}}, Samples: 4, SeqLen: 16, Seed: 1, Model: model,
		Command: []string{"calibkit", "export", "dataset"}})
	if err != nil {
		t.Fatal(err)
	}
	var res hfdataset.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Splits[0].Rows != 4 || res.Splits[0].Tokens != 64 {
		t.Errorf("result %+v", res.Splits)
	}
	card, _ := os.ReadFile(filepath.Join(out, "README.md"))
	if !strings.Contains(string(card), "Calibration samples (4 per split of 16 tokens each)") || !strings.Contains(string(card), "tiny.gguf") {
		t.Errorf("card:\n%s", card)
	}
	// -m alone counts the rows' tokens
	stdout.Reset()
	err = datasetRun(context.Background(), &DatasetOptions{IO: ios, Output: filepath.Join(dir, "ds1"), JSON: true, ShardMB: 500,
		Splits: []hfdataset.Split{{Name: "train", Files: []string{in}}}, Model: model})
	if err != nil {
		t.Fatal(err)
	}
	res = hfdataset.Result{}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || res.Splits[0].Rows != 30 || res.Splits[0].Tokens < 30*5 {
		t.Errorf("token count: %+v, %v", res.Splits, err)
	}
	// too many samples: an error, no folder
	err = datasetRun(context.Background(), &DatasetOptions{IO: ios, Output: filepath.Join(dir, "ds2"), ShardMB: 500,
		Splits: []hfdataset.Split{{Name: "train", Files: []string{in}}}, Samples: 1000, SeqLen: 16, Model: model})
	if err == nil || !strings.Contains(err.Error(), "the text holds") {
		t.Errorf("too many samples: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ds2")); err == nil {
		t.Error("a failed export left its folder")
	}
}
