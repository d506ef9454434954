package quantize

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/llama"
)

func sampleImatrix() *imatrix.Data {
	return &imatrix.Data{
		Datasets: []string{strings.Repeat("d", 200)}, ChunkCount: 5, ChunkSize: 4,
		Entries: []*imatrix.Entry{
			{Name: "blk.0.attn_q.weight", Cols: 2, Sums: []float32{3, 7}, Counts: []int64{3}},
			{Name: "blk.0.ffn_down_exps.weight", Cols: 2, Sums: []float32{8, 2, 5, 5}, Counts: []int64{4, 0}},
			{Name: "blk.1.attn_q.weight", Cols: 2, Sums: []float32{1, 1}, Counts: []int64{10}},
		},
	}
}

func TestLoadImatrixGGUF(t *testing.T) {
	path := writeImatrix(t, sampleImatrix(), filepath.Join(t.TempDir(), "im.gguf"), imatrix.FormatGGUF)
	im, err := LoadImatrix(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float32{
		"blk.0.attn_q.weight":        {1, 7.0 / 3},
		"blk.0.ffn_down_exps.weight": {2, 0.5, 1, 1}, // an expert that saw nothing gets ones
		"blk.1.attn_q.weight":        {0.1, 0.1},
	}
	for name, w := range want {
		got := im.Values[name]
		if len(got) != len(w) {
			t.Fatalf("%s: %v, want %v", name, got, w)
		}
		for i := range w {
			if got[i] != w[i] {
				t.Errorf("%s[%d] = %v, want %v", name, i, got[i], w[i])
			}
		}
	}
	md := im.Metadata()
	if len(md) != 4 || md[0] != (llama.KVOverride{Key: KeyImatrixFile, Value: path}) ||
		md[1].Value.(string) != strings.Repeat("d", 127) || md[2].Value != int64(3) || md[3].Value != int64(5) {
		t.Errorf("metadata %+v", md)
	}
	ex, err := LoadImatrix(path, nil, []string{"blk.0"})
	if err != nil || len(ex.Values) != 1 || ex.Values["blk.1.attn_q.weight"] == nil || len(ex.All) != 3 {
		t.Errorf("--exclude-weights blk.0: %v, %v", ex.Values, err)
	}
	in, err := LoadImatrix(path, []string{"exps", "blk.1."}, nil)
	if err != nil || len(in.Values) != 2 || in.Values["blk.0.attn_q.weight"] != nil {
		t.Errorf("--include-weights: %v, %v", in.Values, err)
	}
	none, err := LoadImatrix(path, []string{"nothing"}, nil)
	if err != nil || len(none.Values) != 0 || none.Metadata() != nil {
		t.Errorf("no entry left: %v, %v, %v", none.Values, none.Metadata(), err)
	}
}

func TestLoadImatrixDat(t *testing.T) {
	d := sampleImatrix()
	d.ChunkSize = 1 // ncall = count: the stored values are sums/count × ncall = sums
	path := writeImatrix(t, d, filepath.Join(t.TempDir(), "im.dat"), imatrix.FormatDat)
	im, err := LoadImatrix(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if im.Format != imatrix.FormatDat || im.Chunks != 5 {
		t.Errorf("format %v, chunks %d", im.Format, im.Chunks)
	}
	// .dat stores (sum/count)×ncall, ncall = the largest count: llama-quantize
	// divides every value by ncall again
	got := im.Values["blk.0.attn_q.weight"]
	if got[0] != 1 || got[1] != 7.0/3 {
		t.Errorf("dense entry %v", got)
	}
	got = im.Values["blk.0.ffn_down_exps.weight"]
	if got[0] != 2 || got[1] != 0.5 || got[2] != 1 || got[3] != 1 {
		t.Errorf("expert entry %v", got)
	}
	// an old .dat without the trailer: no chunk count, as llama-quantize reads it
	b, _ := os.ReadFile(path)
	trailer := 4 + 4 + len(d.Datasets[0])
	old := filepath.Join(t.TempDir(), "old.dat")
	os.WriteFile(old, b[:len(b)-trailer], 0o644)
	im, err = LoadImatrix(old, nil, nil)
	if err != nil || im.Chunks != 0 || len(im.Datasets) != 0 {
		t.Errorf("old .dat: chunks %d, datasets %v, %v", im.Chunks, im.Datasets, err)
	}
}

func TestLoadImatrixErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadImatrix(filepath.Join(dir, "none.gguf"), nil, nil); err == nil {
		t.Error("missing file accepted")
	}
	junk := filepath.Join(dir, "junk.dat")
	os.WriteFile(junk, []byte{1, 2, 3}, 0o644)
	if _, err := LoadImatrix(junk, nil, nil); err == nil || !strings.Contains(err.Error(), junk) {
		t.Errorf("junk: %v", err)
	}
	if _, err := LoadImatrix(junk, []string{"a"}, []string{"b"}); err == nil || !IsUsage(err) {
		t.Errorf("include+exclude: %v", err)
	}
}
