package imatrix

import (
	"bytes"
	"encoding/binary"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/gguf"
)

func readGGUFBytes(b []byte) (*Data, error) { return ReadGGUF(bytes.NewReader(b), int64(len(b))) }

func TestGGUFRoundTrip(t *testing.T) {
	for _, act := range []bool{false, true} {
		d := synthData(5, 3, []weightSpec{{"attn_q", 64, 1}, {"ffn_down_exps", 48, 8}}, act)
		d.Entries[1].Counts[3] = 0 // an expert that saw no data
		b := writeBytes(t, d, FormatGGUF)
		got, err := readGGUFBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		equalData(t, got, d)
		if again := writeBytes(t, got, FormatGGUF); !bytes.Equal(again, b) {
			t.Errorf("activations=%v: GGUF → read → GGUF changed the bytes", act)
		}
	}
}

// TestWriteGGUFLayout checks what llama-quantize --imatrix relies on: the
// metadata keys with their types, tensor names, types, shapes and order.
func TestWriteGGUFLayout(t *testing.T) {
	d := &Data{
		Datasets: []string{"a.txt", "b.txt"}, ChunkCount: 10, ChunkSize: 512,
		Entries: []*Entry{
			{Name: "blk.1.ffn_up_exps.weight", Cols: 2, Sums: []float32{1, 2, 3, 4, 5, 6}, Counts: []int64{7, 0, 9}},
			{Name: "blk.0.attn_q.weight", Cols: 3, Sums: []float32{1, 2, 3}, Activations: []float32{-1, 0, 1}, Counts: []int64{4}},
		},
	}
	b := writeBytes(t, d, FormatGGUF)
	f, err := gguf.Decode(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	wantKV := []gguf.KV{
		{Key: "general.type", Value: "imatrix"},
		{Key: "imatrix.datasets", Value: []string{"a.txt", "b.txt"}},
		{Key: "imatrix.chunk_count", Value: uint32(10)},
		{Key: "imatrix.chunk_size", Value: uint32(512)},
	}
	if !reflect.DeepEqual(f.KVs, wantKV) {
		t.Errorf("metadata %#v, want %#v", f.KVs, wantKV)
	}
	type tinfo struct {
		name  string
		shape []uint64
	}
	var got []tinfo
	for _, ti := range f.Tensors {
		if ti.Type != gguf.TensorF32 {
			t.Errorf("%s has type %v", ti.Name, ti.Type)
		}
		got = append(got, tinfo{ti.Name, ti.Shape})
	}
	want := []tinfo{
		{"blk.0.attn_q.weight.in_sum2", []uint64{3}}, // ggml drops trailing 1s
		{"blk.0.attn_q.weight.counts", []uint64{1}},
		{"blk.0.attn_q.weight.in_sum", []uint64{3}},
		{"blk.1.ffn_up_exps.weight.in_sum2", []uint64{2, 3}},
		{"blk.1.ffn_up_exps.weight.counts", []uint64{1, 3}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tensors %v, want %v", got, want)
	}
	// The counts tensor holds the counts as F32.
	ti, _ := f.Tensor("blk.1.ffn_up_exps.weight.counts")
	raw := b[f.DataOffset+int64(ti.Offset):][:12]
	c, _ := gguf.DecodeFloat32s(gguf.TensorF32, raw)
	if !reflect.DeepEqual(c, []float32{7, 0, 9}) {
		t.Errorf("counts %v", c)
	}
}

// llamaStyle builds a GGUF the way llama-imatrix lays it out, with tensors
// in any order and counts possibly fractional.
func llamaStyle(t *testing.T, tensors []struct {
	name  string
	typ   gguf.TensorType
	shape []uint64
	vals  []float32
}, kvs ...gguf.KV) []byte {
	t.Helper()
	w := gguf.NewWriter()
	for _, kv := range kvs {
		if err := w.AddKV(kv.Key, kv.Value); err != nil {
			t.Fatal(err)
		}
	}
	for _, ts := range tensors {
		var err error
		if ts.typ == gguf.TensorF16 {
			vals := ts.vals
			err = w.AddTensor(ts.name, gguf.TensorF16, ts.shape, func(out io.Writer) error {
				for _, v := range vals {
					h := gguf.Float32ToHalf(v)
					if _, err := out.Write([]byte{byte(h), byte(h >> 8)}); err != nil {
						return err
					}
				}
				return nil
			})
		} else {
			err = w.AddF32(ts.name, ts.shape, ts.vals)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type tspec = struct {
	name  string
	typ   gguf.TensorType
	shape []uint64
	vals  []float32
}

var meta = []gguf.KV{
	{Key: "general.type", Value: "imatrix"},
	{Key: "imatrix.datasets", Value: []string{"wiki.txt"}},
	{Key: "imatrix.chunk_count", Value: uint32(2)},
	{Key: "imatrix.chunk_size", Value: uint32(512)},
}

func TestReadGGUFFromLlamaCpp(t *testing.T) {
	b := llamaStyle(t, []tspec{
		{"blk.0.ffn_gate_exps.weight.counts", gguf.TensorF32, []uint64{1, 2}, []float32{10.4, 0}},
		{"blk.0.ffn_gate_exps.weight.in_sum2", gguf.TensorF32, []uint64{3, 2}, []float32{1, 2, 3, 0, 0, 0}},
		{"blk.0.attn_q.weight.in_sum", gguf.TensorF32, []uint64{2, 1}, []float32{-1, 1}},
		{"blk.0.attn_q.weight.in_sum2", gguf.TensorF32, []uint64{2, 1}, []float32{5, 6}},
		{"blk.0.attn_q.weight.counts", gguf.TensorF32, []uint64{1, 1}, []float32{1024.5}},
		{"token_embd.weight", gguf.TensorF32, []uint64{2}, []float32{1, 1}}, // ignored, as llama.cpp does
	}, meta...)
	d, err := readGGUFBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &Data{Datasets: []string{"wiki.txt"}, ChunkCount: 2, ChunkSize: 512, Entries: []*Entry{
		{Name: "blk.0.attn_q.weight", Cols: 2, Sums: []float32{5, 6}, Activations: []float32{-1, 1}, Counts: []int64{1025}},
		{Name: "blk.0.ffn_gate_exps.weight", Cols: 3, Sums: []float32{1, 2, 3, 0, 0, 0}, Counts: []int64{10, 0}},
	}}
	equalData(t, d, want)
}

func TestReadGGUFErrors(t *testing.T) {
	sums := tspec{"w.in_sum2", gguf.TensorF32, []uint64{2, 1}, []float32{1, 2}}
	counts := tspec{"w.counts", gguf.TensorF32, []uint64{1, 1}, []float32{3}}
	tests := []struct {
		name    string
		tensors []tspec
		kvs     []gguf.KV
		want    string
	}{
		{"missing counts", []tspec{sums}, meta, `entry "w": mismatched sums and counts`},
		{"missing sums", []tspec{counts}, meta, `entry "w": mismatched sums and counts`},
		{"experts disagree", []tspec{sums, {"w.counts", gguf.TensorF32, []uint64{1, 2}, []float32{3, 3}}}, meta, `entry "w": sizes disagree: w.in_sum2 has shape [2 1] (1 experts) but w.counts has 2 values`},
		{"in_sum size", []tspec{sums, counts, {"w.in_sum", gguf.TensorF32, []uint64{3, 1}, []float32{1, 2, 3}}}, meta, `entry "w": sizes disagree: w.in_sum has 3 values`},
		{"3d sums", []tspec{{"w.in_sum2", gguf.TensorF32, []uint64{1, 1, 2}, []float32{1, 2}}, counts}, meta, "want [columns, experts]"},
		{"f16", []tspec{{"w.in_sum2", gguf.TensorF16, []uint64{2, 1}, []float32{1, 2}}, counts}, meta, `tensor "w.in_sum2" has type F16, want F32`},
		{"nan sum", []tspec{{"w.in_sum2", gguf.TensorF32, []uint64{2, 1}, []float32{1, float32(math.NaN())}}, counts}, meta, `entry "w": sum of squares NaN at expert 0 column 1`},
		{"negative sum", []tspec{{"w.in_sum2", gguf.TensorF32, []uint64{2, 1}, []float32{-1, 2}}, counts}, meta, `entry "w": sum of squares -1`},
		{"negative count", []tspec{sums, {"w.counts", gguf.TensorF32, []uint64{1, 1}, []float32{-3}}}, meta, `entry "w": expert 0 has count -3`},
		{"a model", []tspec{sums, counts}, []gguf.KV{{Key: "general.type", Value: "model"}}, "not an importance matrix"},
		{"no entries", []tspec{{"token_embd.weight", gguf.TensorF32, []uint64{1}, []float32{1}}}, meta, "no imatrix data"},
		{"datasets not strings", []tspec{sums, counts}, []gguf.KV{{Key: "imatrix.datasets", Value: uint32(1)}}, "want a string array"},
		{"chunk size negative", []tspec{sums, counts}, []gguf.KV{{Key: "imatrix.chunk_size", Value: int32(-1)}}, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readGGUFBytes(llamaStyle(t, tc.tensors, tc.kvs...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	// Tensors that point at the same bytes: refused before reading more
	// than the file holds.
	w := gguf.NewWriter()
	for _, kv := range meta {
		w.AddKV(kv.Key, kv.Value)
	}
	w.AddF32("w.in_sum2", []uint64{4096}, make([]float32, 4096))
	w.AddF32("w.counts", []uint64{1}, []float32{1})
	w.AddF32("w.in_sum", []uint64{1}, []float32{0})
	var b bytes.Buffer
	w.WriteTo(&b)
	raw := b.Bytes()
	// in_sum's info: name length 8, name, n_dims, ne0, type, offset.
	at := bytes.Index(raw, append(binary.LittleEndian.AppendUint64(nil, 8), "w.in_sum"...)) + 8 + 8 + 4
	binary.LittleEndian.PutUint64(raw[at:], 4096)  // as large as in_sum2
	binary.LittleEndian.PutUint64(raw[at+8+4:], 0) // at in_sum2's offset
	if _, err := readGGUFBytes(raw); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("overlapping tensors: %v", err)
	}

	// Every truncation of a valid file is an error, never a panic.
	full := writeBytes(t, synthData(1, 1, []weightSpec{{"attn_q", 8, 1}, {"ffn_up_exps", 4, 2}}, true), FormatGGUF)
	for n := 0; n < len(full); n++ {
		if _, err := readGGUFBytes(full[:n]); err == nil {
			t.Fatalf("prefix of %d of %d bytes read without error", n, len(full))
		}
	}
}

func TestWriteGGUFRefusals(t *testing.T) {
	d := synthData(1, 1, []weightSpec{{"attn_q", 8, 1}}, false)
	d.Datasets = nil
	if err := WriteGGUF(io.Discard, d); err == nil || !strings.Contains(err.Error(), "llama-quantize") {
		t.Errorf("no dataset: got %v", err)
	}
	d.Datasets = []string{"x"}
	d.Entries[0].Name = "blk.0." + strings.Repeat("a", 50) + ".weight" // 63 bytes with .in_sum2 would be fine; 69 is not
	if err := WriteGGUF(io.Discard, d); err == nil || !strings.Contains(err.Error(), "ggml allows at most 63") {
		t.Errorf("long name: got %v", err)
	}
}

// TestDatGGUFRoundTrip converts in both directions: dat → GGUF → dat gives
// the same .dat bytes, and a GGUF → dat → GGUF trip keeps the mean squares.
func TestDatGGUFRoundTrip(t *testing.T) {
	d := synthData(9, 2, []weightSpec{{"attn_q", 40, 1}, {"ffn_down_exps", 24, 4}}, true)
	dat := writeBytes(t, d, FormatDat)
	fromDat, err := ReadDat(bytes.NewReader(dat), d.ChunkSize)
	if err != nil {
		t.Fatal(err)
	}
	g := writeBytes(t, fromDat, FormatGGUF)
	fromGGUF, err := readGGUFBytes(g)
	if err != nil {
		t.Fatal(err)
	}
	equalData(t, fromGGUF, fromDat)
	if again := writeBytes(t, fromGGUF, FormatDat); !bytes.Equal(again, dat) {
		t.Error("dat → GGUF → dat changed the bytes")
	}
	for i, e := range d.Entries {
		f := fromGGUF.Entries[i]
		cols := e.Cols
		for j, s := range e.Sums {
			c := e.Counts[j/cols]
			if c == 0 {
				continue
			}
			want := float64(s) / float64(c)
			got := float64(f.Sums[j]) / float64(f.Counts[0])
			if math.Abs(got-want) > 1e-6*want {
				t.Fatalf("%s[%d]: %g vs %g", e.Name, j, got, want)
			}
		}
	}
}

func FuzzReadGGUF(f *testing.F) {
	f.Add(writeBytes(f, synthData(3, 2, []weightSpec{{"attn_q", 4, 1}, {"ffn_up_exps", 2, 3}}, true), FormatGGUF))
	f.Add(writeBytes(f, synthData(4, 1, []weightSpec{{"attn_k", 8, 1}}, false), FormatGGUF))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := readGGUFBytes(data)
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("ReadGGUF accepted invalid data: %v", err)
		}
		if len(d.Datasets) == 0 {
			return
		}
		var out bytes.Buffer
		if err := WriteGGUF(&out, d); err != nil {
			t.Fatalf("cannot write back what was read: %v", err)
		}
		back, err := readGGUFBytes(out.Bytes())
		if err != nil {
			t.Fatalf("cannot read back what was written: %v", err)
		}
		if len(back.Entries) != len(d.Entries) {
			t.Fatalf("%d entries became %d", len(d.Entries), len(back.Entries))
		}
	})
}
