package imatrixcmd

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/imatrix"
)

// toolsData builds a small imatrix: layers × (attn_q 8 columns, ffn_up_exps
// 4 columns × 2 experts), values depending on seed.
func toolsData(seed, layers int, cols int) *imatrix.Data {
	d := &imatrix.Data{Datasets: []string{fmt.Sprintf("text%d.txt", seed)}, ChunkCount: 4, ChunkSize: 512}
	for l := range layers {
		q := &imatrix.Entry{Name: fmt.Sprintf("blk.%d.attn_q.weight", l), Cols: cols, Counts: []int64{2048}}
		for j := range cols {
			q.Sums = append(q.Sums, float32(2048*(1+(j*seed+l)%5)))
		}
		e := &imatrix.Entry{Name: fmt.Sprintf("blk.%d.ffn_up_exps.weight", l), Cols: 4, Counts: []int64{1024, int64(512 * seed)}}
		for j := range 8 {
			e.Sums = append(e.Sums, float32(e.Counts[j/4])*float32(1+(j+seed)%3))
		}
		d.Entries = append(d.Entries, q, e)
	}
	return d
}

func writeTool(t *testing.T, dir, name string, d *imatrix.Data) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f := imatrix.FormatForPath(p)
	if err := imatrix.WriteFile(p, d, f); err != nil {
		t.Fatal(err)
	}
	return p
}

// runTool runs `calibkit imatrix <args>` through the parent command, as a
// user would, and returns stdout, stderr and the error.
func runTool(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	cmd := NewCmdImatrix(ios, nil)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestStatsFlags(t *testing.T) {
	tests := []struct {
		args    string
		wantErr string
		want    StatsOptions
	}{
		{args: "a.gguf", want: StatsOptions{File: "a.gguf", Top: 5, DatChunkSize: 512}},
		{args: "a.dat --json --top 10 -c 64", want: StatsOptions{File: "a.dat", JSON: true, Top: 10, DatChunkSize: 64}},
		{args: "a.dat -c 0", wantErr: "-c/--ctx-size must be positive"},
		{args: "", wantErr: "accepts 1 arg"},
		{args: "a b", wantErr: "accepts 1 arg"},
		{args: "a --top -1", wantErr: "--top must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *StatsOptions
			cmd := NewCmdStats(ios, func(o *StatsOptions) error { got = o; return nil })
			cmd.SetArgs(strings.Fields(tt.args))
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Fatalf("err = %v (exit %d), want usage error %q", err, cmdutil.ExitCode(err), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *got != (StatsOptions{IO: ios, File: tt.want.File, JSON: tt.want.JSON, Top: tt.want.Top, DatChunkSize: tt.want.DatChunkSize}) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStatsRun(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.gguf", "a.dat"} {
		p := writeTool(t, dir, name, toolsData(2, 3, 8))
		out, _, err := runTool(t, "stats", p, "--top", "2")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"(" + strings.TrimPrefix(filepath.Ext(name), ".") + ")", `"text2.txt"`, "blk.2.attn_q.weight", "Per layer"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", name, want, out)
			}
		}
		out, _, err = runTool(t, "stats", p, "--json")
		if err != nil {
			t.Fatal(err)
		}
		var js struct {
			File    string
			Format  string
			Weights []imatrix.WeightStats
			Layers  []imatrix.LayerStats
		}
		if err := json.Unmarshal([]byte(out), &js); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		if js.File != p || js.Format != strings.TrimPrefix(filepath.Ext(name), ".") || len(js.Weights) != 6 || len(js.Layers) != 3 {
			t.Errorf("%s: json %+v", name, js)
		}
		if len(js.Weights[0].Top) != 5 || js.Layers[1].CosinePrevLayer == nil {
			t.Errorf("%s: first weight %+v, layer 1 %+v", name, js.Weights[0], js.Layers[1])
		}
	}
	// One layer, an expert with no data, a zero column: numbers, not NaN.
	one := toolsData(0, 1, 8)
	one.Entries[0].Sums[3] = 0
	p := writeTool(t, dir, "one.gguf", one)
	out, _, err := runTool(t, "stats", p, "--json")
	if err != nil || strings.Contains(out, "NaN") {
		t.Fatalf("one layer: %v\n%s", err, out)
	}
}

func TestStatsBadFile(t *testing.T) {
	dir := t.TempDir()
	p := writeTool(t, dir, "a.gguf", toolsData(1, 2, 8))
	if err := truncateFile(p, 100); err != nil {
		t.Fatal(err)
	}
	_, _, err := runTool(t, "stats", p)
	if err == nil || !strings.Contains(err.Error(), p) || cmdutil.ExitCode(err) != cmdutil.ExitFailed {
		t.Errorf("truncated file: %v", err)
	}
}

// A .dat file records no chunk size: stats says so and scales the counts
// by -c, while the mean squares stay the same.
func TestStatsDatChunkSize(t *testing.T) {
	dir := t.TempDir()
	p := writeTool(t, dir, "a.dat", toolsData(1, 1, 8))
	out, _, err := runTool(t, "stats", p, "-c", "64")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "records no chunk size: counts are ncall × 64 tokens") || !strings.Contains(out, "of 64 tokens") {
		t.Errorf("no chunk size note:\n%s", out)
	}
	var s struct {
		ChunkSizeRecorded bool `json:"chunk_size_recorded"`
		ChunkSize         int  `json:"chunk_size"`
		Weights           []struct {
			Count int64   `json:"count"`
			Mean  float64 `json:"mean"`
		} `json:"weights"`
	}
	for _, c := range []string{"64", "512"} {
		out, _, err := runTool(t, "stats", p, "-c", c, "--json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		// attn_q: 2048 rows = 4 chunks of 512, so ncall 4.
		if s.ChunkSizeRecorded || fmt.Sprint(s.ChunkSize) != c || fmt.Sprint(s.Weights[0].Count/4) != c {
			t.Errorf("-c %s: %+v", c, s)
		}
	}
	g := writeTool(t, dir, "a.gguf", toolsData(1, 1, 8))
	out, _, err = runTool(t, "stats", g, "--json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil || !s.ChunkSizeRecorded {
		t.Errorf("gguf: %+v %v", s, err)
	}
}
