package imatrixcmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/manifest"
)

func TestConvertRoundTrip(t *testing.T) {
	dir := t.TempDir()
	orig := toolsData(2, 3, 8)
	pg := writeTool(t, dir, "a.gguf", orig)
	pd := filepath.Join(dir, "a.dat")
	if _, _, err := runTool(t, "convert", pg, "-o", pd); err != nil {
		t.Fatal(err)
	}
	back := filepath.Join(dir, "back.gguf")
	if _, _, err := runTool(t, "convert", pd, "-o", back); err != nil {
		t.Fatal(err)
	}
	pd2 := filepath.Join(dir, "again.dat")
	if _, _, err := runTool(t, "convert", back, "-o", pd2); err != nil {
		t.Fatal(err)
	}
	b1, _ := os.ReadFile(pd)
	b2, _ := os.ReadFile(pd2)
	if len(b1) == 0 || string(b1) != string(b2) {
		t.Error("gguf → dat → gguf → dat changed the .dat bytes")
	}
	d, err := imatrix.ReadFile(back)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Entries) != len(orig.Entries) || d.Datasets[0] != "text2.txt" || d.ChunkCount != orig.ChunkCount {
		t.Errorf("converted %+v", d)
	}
	if m, err := manifest.Read(manifest.Path(back)); err != nil || m.Parameters["input_format"] != "dat" {
		t.Errorf("manifest %+v, %v", m, err)
	}
}

func TestConvertUsage(t *testing.T) {
	dir := t.TempDir()
	p := writeTool(t, dir, "a.gguf", toolsData(1, 1, 8))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"convert", p}, "-o/--output is required"},
		{[]string{"convert", p, "-o", filepath.Join(dir, "x.txt")}, "cannot tell the format"},
		{[]string{"convert", p, "-o", p}, "is the input"},
		{[]string{"convert", p, "-o", "x.gguf", "--output-format", "bin"}, "unknown imatrix format"},
	} {
		_, _, err := runTool(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%v: %v", tc.args, err)
		}
	}
	// --output-format overrides the extension.
	out := filepath.Join(dir, "x.bin")
	if _, _, err := runTool(t, "convert", p, "-o", out, "--output-format", "dat"); err != nil {
		t.Fatal(err)
	}
	if _, f, err := imatrix.ReadFileFormat(out, 0); err != nil || f != imatrix.FormatDat {
		t.Errorf("got %v, %v", f, err)
	}
}

// A GGUF without imatrix.chunk_size converts to .dat with -c as the chunk size.
func TestConvertWithoutChunkSize(t *testing.T) {
	dir := t.TempDir()
	d := toolsData(1, 1, 8)
	d.ChunkSize, d.ChunkCount = 0, 0
	p := writeTool(t, dir, "a.gguf", d)
	out := filepath.Join(dir, "a.dat")
	if _, _, err := runTool(t, "convert", p, "-o", out, "-c", "1024"); err != nil {
		t.Fatal(err)
	}
	back, err := imatrix.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if back.ChunkCount != 2 { // largest count 2048 / 1024
		t.Errorf("chunk count %d", back.ChunkCount)
	}
}

// Converting keeps the chunk count the file records, not the largest
// ncall (rounded up) that llama-imatrix --in-file derives, so that
// .dat → GGUF → .dat gives the same bytes when no count is a whole number
// of chunks.
func TestConvertDatKeepsChunkCount(t *testing.T) {
	dir := t.TempDir()
	d := &imatrix.Data{Datasets: []string{"t.txt"}, ChunkCount: 8, ChunkSize: 512, Entries: []*imatrix.Entry{
		{Name: "blk.0.attn_q.weight", Cols: 2, Sums: []float32{1, 2}, Counts: []int64{9*512 - 100}}, // ncall 9
	}}
	in := filepath.Join(dir, "a.dat")
	if err := imatrix.WriteFile(in, d, imatrix.FormatDat); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "a.gguf")
	if _, _, err := runTool(t, "convert", in, "-o", out); err != nil {
		t.Fatal(err)
	}
	got, err := imatrix.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got.ChunkCount != 8 || got.ChunkSize != 512 || got.Entries[0].Counts[0] != 9*512 {
		t.Errorf("chunk count %d size %d counts %v, want 8, 512, [4608]", got.ChunkCount, got.ChunkSize, got.Entries[0].Counts)
	}
	back := filepath.Join(dir, "b.dat")
	if _, _, err := runTool(t, "convert", out, "-o", back); err != nil {
		t.Fatal(err)
	}
	b1, _ := os.ReadFile(in)
	b2, _ := os.ReadFile(back)
	if string(b1) != string(b2) {
		t.Error(".dat → GGUF → .dat changed the bytes")
	}
}

// A .dat file from before April 2024 ends after its entries: no dataset
// name. A GGUF output needs one for llama-quantize: the error says how to
// give it, and --dataset does.
func TestConvertDatWithoutDataset(t *testing.T) {
	dir := t.TempDir()
	d := toolsData(1, 1, 8)
	d.Entries = d.Entries[:1]
	p := writeTool(t, dir, "new.dat", d)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// Cut the trailer: int32 chunk count, int32 length, the name.
	old := filepath.Join(dir, "old.dat")
	if err := os.WriteFile(old, b[:len(b)-8-len(d.Datasets[0])], 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "old.gguf")
	_, _, err = runTool(t, "convert", old, "-o", out)
	if err == nil || !strings.Contains(err.Error(), "--dataset NAME") || cmdutil.ExitCode(err) != 1 {
		t.Fatalf("got %v", err)
	}
	if ents, _ := filepath.Glob(out + "*"); len(ents) != 0 {
		t.Errorf("left %v behind", ents)
	}
	if _, _, err := runTool(t, "convert", old, "-o", out, "--dataset", "wiki.train.raw"); err != nil {
		t.Fatal(err)
	}
	got, err := imatrix.ReadFile(out)
	if err != nil || len(got.Datasets) != 1 || got.Datasets[0] != "wiki.train.raw" {
		t.Errorf("%+v, %v", got, err)
	}
	// --dataset does not replace names the inputs record.
	out2 := filepath.Join(dir, "new.gguf")
	if _, _, err := runTool(t, "convert", p, "-o", out2, "--dataset", "other"); err != nil {
		t.Fatal(err)
	}
	if got, err := imatrix.ReadFile(out2); err != nil || got.Datasets[0] != d.Datasets[0] {
		t.Errorf("%+v, %v", got, err)
	}
}
