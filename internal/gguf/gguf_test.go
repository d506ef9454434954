package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func sampleFile(t *testing.T) []byte {
	t.Helper()
	w := NewWriter()
	kvs := []KV{
		{"general.architecture", "llama"},
		{"general.type", "imatrix"},
		{"u8", uint8(7)}, {"i8", int8(-7)}, {"u16", uint16(700)}, {"i16", int16(-700)},
		{"u32", uint32(70000)}, {"i32", int32(-70000)}, {"f32", float32(1.5)}, {"b", true},
		{"u64", uint64(1 << 40)}, {"i64", int64(-1 << 40)}, {"f64", 2.25},
		{"tokens", []string{"<unk>", "<s>", "日本語"}},
		{"scores", []float32{0, -1, -2.5}},
		{"types", []int32{2, 3, 1}},
		{"nested", []any{[]string{"a"}, []uint32{1, 2}}},
	}
	for _, kv := range kvs {
		if err := w.AddKV(kv.Key, kv.Value); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.AddF32("a.weight", []uint64{3, 2}, []float32{1, 2, 3, 4, 5, 6}); err != nil {
		t.Fatal(err)
	}
	if err := w.AddF32("b.counts", []uint64{1, 1}, []float32{42}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := w.WriteTo(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo reported %d bytes, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	b := sampleFile(t)
	path := filepath.Join(t.TempDir(), "x.gguf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Version != 3 || len(r.KVs) != 17 || len(r.Tensors) != 2 {
		t.Fatalf("header: version %d, %d kvs, %d tensors", r.Version, len(r.KVs), len(r.Tensors))
	}
	want := map[string]any{
		"i8": int8(-7), "i16": int16(-700), "i32": int32(-70000), "i64": int64(-1 << 40),
		"f64": 2.25, "b": true, "tokens": []string{"<unk>", "<s>", "日本語"},
		"types": []int32{2, 3, 1}, "nested": []any{[]string{"a"}, []uint32{1, 2}},
	}
	for k, v := range want {
		got, ok := r.Value(k)
		if !ok || !reflect.DeepEqual(got, v) {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	if s, err := r.String("general.type"); err != nil || s != "imatrix" {
		t.Errorf("String = %q, %v", s, err)
	}
	if u, err := r.Uint("u32"); err != nil || u != 70000 {
		t.Errorf("Uint = %d, %v", u, err)
	}
	if _, err := r.Uint("i32"); err == nil {
		t.Error("Uint of a negative value should fail")
	}
	vals, err := r.Float32s("a.weight")
	if err != nil || !reflect.DeepEqual(vals, []float32{1, 2, 3, 4, 5, 6}) {
		t.Errorf("a.weight = %v, %v", vals, err)
	}
	ti, _ := r.Tensor("b.counts")
	if ti.Offset%DefaultAlignment != 0 || ti.Offset == 0 {
		t.Errorf("b.counts offset %d not aligned after a.weight", ti.Offset)
	}
	if r.DataOffset%DefaultAlignment != 0 {
		t.Errorf("data offset %d not aligned", r.DataOffset)
	}
	// Writing what was read gives the same bytes.
	w := NewWriter()
	for _, kv := range r.KVs {
		if err := w.AddKV(kv.Key, kv.Value); err != nil {
			t.Fatal(err)
		}
	}
	for _, ti := range r.Tensors {
		v, err := r.Float32s(ti.Name)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.AddF32(ti.Name, ti.Shape, v); err != nil {
			t.Fatal(err)
		}
	}
	var again bytes.Buffer
	if _, err := w.WriteTo(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), b) {
		t.Error("rewriting a decoded file changed its bytes")
	}
}

func TestDecodeErrors(t *testing.T) {
	good := sampleFile(t)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"not gguf", []byte("PK\x03\x04 not a model at all"), "not a GGUF file"},
		{"bad version", append([]byte("GGUF\x09\x00\x00\x00"), make([]byte, 16)...), "unsupported GGUF version 9"},
		{"truncated header", good[:100], "truncated"},
		{"truncated data", good[:len(good)-30], "runs past the end"},
		{"huge count", append([]byte("GGUF\x03\x00\x00\x00"), bytes.Repeat([]byte{0xff}, 16)...), "exceeds what the file can hold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tt.data), int64(len(tt.data)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("err %T is not a *FormatError", err)
			}
		})
	}
}

func TestWriterRejects(t *testing.T) {
	w := NewWriter()
	if err := w.AddKV("k", struct{}{}); err == nil {
		t.Error("unsupported value type accepted")
	}
	if err := w.AddKV("general.alignment", uint32(3)); err == nil {
		t.Error("alignment 3 accepted")
	}
	if err := w.AddF32("t", []uint64{2, 2}, []float32{1}); err == nil {
		t.Error("shape/value mismatch accepted")
	}
	_ = w.AddKV("k", "v")
	if err := w.AddKV("k", "v"); err == nil {
		t.Error("duplicate key accepted")
	}
	if err := w.AddTensor("short", TensorF32, []uint64{4}, func(io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteTo(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "wrote 0 bytes, want 16") {
		t.Errorf("short tensor data: err = %v", err)
	}
}

func TestAlignment(t *testing.T) {
	w := NewWriter()
	if err := w.AddKV("general.alignment", uint32(64)); err != nil {
		t.Fatal(err)
	}
	_ = w.AddF32("a", []uint64{3}, []float32{1, 2, 3})
	_ = w.AddF32("b", []uint64{1}, []float32{4})
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := Decode(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if f.Alignment != 64 || f.DataOffset%64 != 0 || f.Tensors[1].Offset != 64 {
		t.Errorf("alignment %d, data offset %d, b offset %d", f.Alignment, f.DataOffset, f.Tensors[1].Offset)
	}
}

func TestHalf(t *testing.T) {
	for _, f := range []float32{0, 1, -1, 0.5, 65504, -2.5, 6.1035156e-05, 5.9604645e-08, 1e-3} {
		if got := HalfToFloat32(Float32ToHalf(f)); math.Abs(float64(got-f)) > math.Abs(float64(f))*1e-3 {
			t.Errorf("half round trip of %g gave %g", f, got)
		}
	}
	for h := 0; h < 1<<16; h++ {
		f := HalfToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			continue
		}
		if back := Float32ToHalf(f); back != uint16(h) {
			t.Fatalf("half %#04x → %g → %#04x", h, f, back)
		}
	}
	if Float32ToHalf(1e6) != 0x7c00 || Float32ToHalf(float32(math.Inf(-1))) != 0xfc00 {
		t.Error("overflow must give infinity")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(sampleFile(&testing.T{}))
	f.Add([]byte("GGUF\x03\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for _, ti := range file.Tensors {
			n, err := ti.Size()
			if err != nil || uint64(file.DataOffset)+ti.Offset+n > uint64(len(data)) {
				t.Fatalf("accepted tensor %q outside the file", ti.Name)
			}
		}
	})
}

// TestTypeAt: each tensor info's TypeAt points at its type and offset in
// the file, so that patching them there changes what a reader decodes.
func TestTypeAt(t *testing.T) {
	b := sampleFile(t)
	f, err := Decode(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range f.Tensors {
		if ti.TypeAt <= 0 || ti.TypeAt+12 > f.DataOffset {
			t.Fatalf("%s: TypeAt %d outside the header (data at %d)", ti.Name, ti.TypeAt, f.DataOffset)
		}
		typ, off := binary.LittleEndian.Uint32(b[ti.TypeAt:]), binary.LittleEndian.Uint64(b[ti.TypeAt+4:])
		if TensorType(typ) != ti.Type || off != ti.Offset {
			t.Errorf("%s: type %d and offset %d at %d, want %v and %d", ti.Name, typ, off, ti.TypeAt, ti.Type, ti.Offset)
		}
	}
	// b.counts holds one f32; as F16 it keeps its offset and fits
	bc := f.Tensors[1]
	binary.LittleEndian.PutUint32(b[bc.TypeAt:], uint32(TensorF16))
	g, err := Decode(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if ti, _ := g.Tensor("b.counts"); ti.Type != TensorF16 || ti.Offset != bc.Offset {
		t.Errorf("patched b.counts: %v at %d", ti.Type, ti.Offset)
	}
}
