package imatrixcmd

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/manifest"
)

func truncateFile(p string, n int64) error { return os.Truncate(p, n) }

func TestCompareFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *CompareOptions
	cmd := NewCmdCompare(ios, func(o *CompareOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"a.gguf", "b.dat", "--json", "--png", "h.png"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.A != "a.gguf" || got.B != "b.dat" || !got.JSON || got.PNG != "h.png" {
		t.Errorf("got %+v", got)
	}
	cmd = NewCmdCompare(ios, func(o *CompareOptions) error { return nil })
	cmd.SetArgs([]string{"a.gguf"})
	cmd.SetOut(&strings.Builder{})
	cmd.SetErr(&strings.Builder{})
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("one file: %v", err)
	}
}

func TestCompareRun(t *testing.T) {
	dir := t.TempDir()
	a := toolsData(1, 4, 8)
	b := toolsData(3, 4, 8)
	b.Entries = b.Entries[:len(b.Entries)-1] // blk.3.ffn_up_exps only in A
	pa, pb := writeTool(t, dir, "a.gguf", a), writeTool(t, dir, "b.dat", b)
	pngPath := filepath.Join(dir, "heat.png")
	out, _, err := runTool(t, "compare", pa, pb, "--png", pngPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Per layer, most different first", "blk.0.attn_q.weight", "Only in " + pa + ":\n  blk.3.ffn_up_exps.weight"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("heat map: %v", err)
	}
	m, err := manifest.Read(manifest.Path(pngPath))
	if err != nil || len(m.Inputs) != 2 || m.Counts["only_a"].(float64) != 1 {
		t.Errorf("manifest %+v, %v", m, err)
	}

	out, _, err = runTool(t, "compare", pa, pb, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var js struct {
		A, B    string
		Weights []imatrix.WeightDiff
		Layers  []imatrix.LayerDiff
		OnlyA   []string `json:"only_a"`
		OnlyB   []string `json:"only_b"`
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatal(err)
	}
	if js.A != pa || len(js.Weights) != 7 || len(js.Layers) != 4 || len(js.OnlyA) != 1 || js.OnlyB == nil {
		t.Errorf("json %+v", js)
	}
	for i := 1; i < len(js.Weights); i++ {
		if js.Weights[i].Cosine < js.Weights[i-1].Cosine {
			t.Errorf("weights not sorted most different first at %d", i)
		}
	}
}

func TestCompareDifferentModels(t *testing.T) {
	dir := t.TempDir()
	pa := writeTool(t, dir, "llama.gguf", toolsData(1, 2, 8))
	pb := writeTool(t, dir, "qwen.gguf", toolsData(1, 2, 16))
	pngPath := filepath.Join(dir, "heat.png")
	_, _, err := runTool(t, "compare", pa, pb, "--png", pngPath)
	if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitFailed {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{pa, pb, `"blk.0.attn_q.weight"`, "different models"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, err := os.Stat(pngPath); !os.IsNotExist(err) {
		t.Error("a heat map was written for a failed comparison")
	}
}

func TestHeatmapTitle(t *testing.T) {
	got := heatmapTitle("/data/models/llama-3-70b/imatrix-ja.gguf", "en.dat")
	if want := "cosine similarity: imatrix-ja.gguf vs en.dat"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
