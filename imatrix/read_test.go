package imatrix

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/atomicfile"
)

// weightSpec describes one kind of weight of a synthetic model.
type weightSpec struct {
	kind    string
	cols    int
	experts int // 0 or 1: dense
}

// llama70B lists the seven weights of a Llama-2/3 70B layer and their input sizes.
var llama70B = []weightSpec{
	{"attn_k", 8192, 1}, {"attn_output", 8192, 1}, {"attn_q", 8192, 1}, {"attn_v", 8192, 1},
	{"ffn_down", 28672, 1}, {"ffn_gate", 8192, 1}, {"ffn_up", 8192, 1},
}

// synthData builds a plausible imatrix: per column a positive mean square
// drawn from a heavy-tailed distribution, times the count.
func synthData(seed uint64, layers int, specs []weightSpec, activations bool) *Data {
	rng := rand.New(rand.NewPCG(seed, 42))
	d := &Data{Datasets: []string{"calib.txt"}, ChunkCount: 100, ChunkSize: 512}
	for l := range layers {
		for _, s := range specs {
			nmat := max(1, s.experts)
			e := &Entry{Name: fmt.Sprintf("blk.%d.%s.weight", l, s.kind), Cols: s.cols, Counts: make([]int64, nmat)}
			e.Sums = make([]float32, s.cols*nmat)
			if activations {
				e.Activations = make([]float32, s.cols*nmat)
			}
			for m := range nmat {
				c := int64(51200)
				if nmat > 1 {
					c = int64(rng.IntN(20000)) // some experts may see little data
				}
				e.Counts[m] = c
				for j := range s.cols {
					ms := rng.ExpFloat64() * 0.01
					if rng.IntN(500) == 0 {
						ms *= 1000 // outlier columns
					}
					e.Sums[m*s.cols+j] = float32(ms * float64(c))
					if activations {
						e.Activations[m*s.cols+j] = float32(rng.NormFloat64() * 0.05 * float64(c))
					}
				}
			}
			d.Entries = append(d.Entries, e)
		}
	}
	d.Entries = sortedEntries(d)
	return d
}

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Format
		err  bool
	}{{"gguf", FormatGGUF, false}, {"DAT", FormatDat, false}, {"bin", FormatUnknown, true}, {"", FormatUnknown, true}} {
		got, err := ParseFormat(tc.in)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("ParseFormat(%q) = %v, %v", tc.in, got, err)
		}
	}
	for path, want := range map[string]Format{"a/b.gguf": FormatGGUF, "x.DAT": FormatDat, "imatrix": FormatUnknown, "x.txt": FormatUnknown} {
		if got := FormatForPath(path); got != want {
			t.Errorf("FormatForPath(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestReadFileSniffsFormat(t *testing.T) {
	d := synthData(1, 2, []weightSpec{{"attn_q", 64, 1}, {"ffn_up_exps", 32, 4}}, false)
	dir := t.TempDir()
	for _, f := range []Format{FormatGGUF, FormatDat} {
		// A misleading extension must not matter: the content decides.
		path := filepath.Join(dir, "imatrix-"+f.String()+".bin")
		if err := WriteFile(path, d, f); err != nil {
			t.Fatal(err)
		}
		got, format, err := ReadFileFormat(path, 0)
		if err != nil {
			t.Fatal(err)
		}
		if format != f {
			t.Errorf("%s: detected %v", path, format)
		}
		if len(got.Entries) != len(d.Entries) || got.Datasets[0] != "calib.txt" {
			t.Errorf("%s: read %d entries, datasets %q", path, len(got.Entries), got.Datasets)
		}
	}
}

func TestReadFileErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.dat")
	os.WriteFile(bad, []byte{2, 0, 0, 0, 5, 0, 0, 0, 'a', 'b'}, 0o644)
	_, err := ReadFile(bad)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("error %v should name %s and say truncated", err, bad)
	}
	if _, err := ReadFile(filepath.Join(dir, "missing.gguf")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestWriteFileLeavesNothingOnError(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.gguf")
	bad := &Data{Datasets: []string{"x"}, Entries: []*Entry{{Name: "w", Cols: 2, Sums: []float32{1}, Counts: []int64{1}}}}
	if err := WriteFile(out, bad, FormatGGUF); err == nil || !strings.Contains(err.Error(), `entry "w"`) {
		t.Fatalf("want an error naming the entry, got %v", err)
	}
	// Disk full while writing: the temporary file is removed too.
	orig := atomicfile.CreateTemp
	t.Cleanup(func() { atomicfile.CreateTemp = orig })
	atomicfile.CreateTemp = func(dir, pattern string) (*os.File, error) { return nil, errors.New("no space left on device") }
	if err := WriteFile(out, synthData(1, 1, []weightSpec{{"attn_q", 8, 1}}, false), FormatDat); err == nil {
		t.Fatal("want an error")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("left files behind: %v", ents)
	}
}

func TestValidate(t *testing.T) {
	ok := func() *Entry {
		return &Entry{Name: "blk.0.attn_q.weight", Cols: 2, Sums: []float32{1, 2, 3, 4}, Counts: []int64{3, 4}}
	}
	tests := []struct {
		name   string
		modify func(e *Entry)
		want   string
	}{
		{"good", func(e *Entry) {}, ""},
		{"values vs experts", func(e *Entry) { e.Counts = []int64{1} }, "sizes disagree"},
		{"values vs columns", func(e *Entry) { e.Cols = 3 }, "sizes disagree"},
		{"activations", func(e *Entry) { e.Activations = []float32{1} }, "sizes disagree"},
		{"nan", func(e *Entry) { e.Sums[3] = float32(math.NaN()) }, "expert 1 column 1"},
		{"negative", func(e *Entry) { e.Sums[0] = -1 }, "non-negative"},
		{"negative count", func(e *Entry) { e.Counts[1] = -1 }, "negative count"},
		{"no name", func(e *Entry) { e.Name = "" }, "empty name"},
		{"no counts", func(e *Entry) { e.Counts = nil; e.Sums = nil }, "no counts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := ok()
			tc.modify(e)
			err := (&Data{Entries: []*Entry{e}}).Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	dup := &Data{Entries: []*Entry{ok(), ok()}}
	if err := dup.Validate(); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate entries: %v", err)
	}
}

// equalData compares two Data values field by field.
func equalData(t *testing.T, got, want *Data) {
	t.Helper()
	if !reflect.DeepEqual(got.Datasets, want.Datasets) || got.ChunkCount != want.ChunkCount || got.ChunkSize != want.ChunkSize {
		t.Fatalf("metadata: got %q %d %d, want %q %d %d", got.Datasets, got.ChunkCount, got.ChunkSize, want.Datasets, want.ChunkCount, want.ChunkSize)
	}
	if len(got.Entries) != len(want.Entries) {
		t.Fatalf("got %d entries, want %d", len(got.Entries), len(want.Entries))
	}
	for i := range got.Entries {
		if !reflect.DeepEqual(got.Entries[i], want.Entries[i]) {
			t.Fatalf("entry %d: got %+v, want %+v", i, summary(got.Entries[i]), summary(want.Entries[i]))
		}
	}
}

func summary(e *Entry) string {
	return fmt.Sprintf("%s cols=%d counts=%v sums[:2]=%v act=%v", e.Name, e.Cols, e.Counts, e.Sums[:min(2, len(e.Sums))], e.Activations != nil)
}

func writeBytes(t testing.TB, d *Data, f Format) []byte {
	t.Helper()
	var b bytes.Buffer
	var err error
	if f == FormatGGUF {
		err = WriteGGUF(&b, d)
	} else {
		err = WriteDat(&b, d)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
