package imatrix

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

// datBuilder writes the legacy layout by hand, independently of WriteDat.
type datBuilder struct{ bytes.Buffer }

func (b *datBuilder) i32(v int32)   { binary.Write(&b.Buffer, binary.LittleEndian, v) }
func (b *datBuilder) f32(v float32) { binary.Write(&b.Buffer, binary.LittleEndian, v) }
func (b *datBuilder) str(s string)  { b.i32(int32(len(s))); b.WriteString(s) }
func (b *datBuilder) entry(name string, ncall int32, vals ...float32) {
	b.str(name)
	b.i32(ncall)
	b.i32(int32(len(vals)))
	for _, v := range vals {
		b.f32(v)
	}
}

func TestWriteDatMatchesLlamaCpp(t *testing.T) {
	d := &Data{
		Datasets:   []string{"first.txt", "calib.txt"},
		ChunkCount: 3,
		ChunkSize:  512,
		Entries: []*Entry{
			// 1000 rows: ncall = ceil(1000/512) = 2; values = sum/1000*2.
			{Name: "blk.1.attn_q.weight", Cols: 2, Sums: []float32{3000, 500}, Counts: []int64{1000}},
			// Two experts, the second never used: llama.cpp stores 1×ncall for it.
			{Name: "blk.0.ffn_up_exps.weight", Cols: 2, Sums: []float32{1024, 2048, 0, 0}, Counts: []int64{512, 0}},
			// No data at all: left out.
			{Name: "blk.0.ffn_down_exps.weight", Cols: 1, Sums: []float32{0, 0}, Counts: []int64{0, 0}},
		},
	}
	var want datBuilder
	want.i32(2)
	want.entry("blk.0.ffn_up_exps.weight", 1, 2, 4, 1, 1)
	want.entry("blk.1.attn_q.weight", 2, float32(3000)/1000*2, float32(500)/1000*2)
	want.i32(3)
	want.str("calib.txt") // llama.cpp keeps the last dataset
	got := writeBytes(t, d, FormatDat)
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("WriteDat:\n got %v\nwant %v", got, want.Bytes())
	}
	if s := d.Skipped(); len(s) != 1 || s[0] != "blk.0.ffn_down_exps.weight" {
		t.Errorf("Skipped() = %q", s)
	}
	d.Entries = d.Entries[2:]
	if err := WriteDat(&bytes.Buffer{}, d); err == nil || !strings.Contains(err.Error(), "no entry has data") {
		t.Errorf("nothing to store: %v", err)
	}
}

func TestReadDatRecreatesSums(t *testing.T) {
	var b datBuilder
	b.i32(2)
	b.entry("blk.1.attn_q.weight", 2, 4, 1)
	b.entry("blk.0.ffn_up_exps.weight", 1, 2, 4, 1, 1)
	b.i32(7)
	b.str("calib.txt")
	d, err := ReadDat(bytes.NewReader(b.Bytes()), 256)
	if err != nil {
		t.Fatal(err)
	}
	want := &Data{
		Datasets: []string{"calib.txt"}, ChunkCount: 7, ChunkSize: 256,
		Entries: []*Entry{
			// One count for all experts: the format cannot tell them apart.
			{Name: "blk.0.ffn_up_exps.weight", Cols: 4, Sums: []float32{512, 1024, 256, 256}, Counts: []int64{256}},
			{Name: "blk.1.attn_q.weight", Cols: 2, Sums: []float32{1024, 256}, Counts: []int64{512}},
		},
	}
	equalData(t, d, want)
	// Mean squares come back: sum/count = value/ncall.
	if ms := d.Entries[1].Sums[0] / float32(d.Entries[1].Counts[0]); ms != 2 {
		t.Errorf("mean square %v, want 2", ms)
	}
}

func TestReadDatWithoutTrailer(t *testing.T) {
	var b datBuilder
	b.i32(1)
	b.entry("output.weight", 5, 1, 2, 3)
	d, err := ReadDat(bytes.NewReader(b.Bytes()), 0)
	if err != nil {
		t.Fatal(err)
	}
	if d.ChunkCount != 5 || d.ChunkSize != DefaultDatChunkSize || len(d.Datasets) != 0 {
		t.Errorf("got chunks %d size %d datasets %q", d.ChunkCount, d.ChunkSize, d.Datasets)
	}
	// The chunk count without the dataset name is tolerated, as llama-imatrix does.
	b.i32(9)
	d, err = ReadDat(bytes.NewReader(b.Bytes()), 0)
	if err != nil || d.ChunkCount != 9 {
		t.Fatalf("got %v, %v", d, err)
	}
}

func TestDatRoundTrip(t *testing.T) {
	d := synthData(7, 3, []weightSpec{{"attn_q", 96, 1}, {"ffn_down", 160, 1}, {"ffn_up_exps", 32, 8}}, true)
	d.Entries[0].Counts[0] = 1000 // not a multiple of the chunk size
	first := writeBytes(t, d, FormatDat)
	back, err := ReadDat(bytes.NewReader(first), d.ChunkSize)
	if err != nil {
		t.Fatal(err)
	}
	// Mean squares survive within float32 rounding.
	for i, e := range d.Entries {
		b := back.Entries[i]
		if b.Name != e.Name || len(b.Sums) != len(e.Sums) {
			t.Fatalf("entry %d: %s vs %s", i, b.Name, e.Name)
		}
		cols := len(e.Sums) / e.NMat()
		for j, s := range e.Sums {
			c := e.Counts[j/cols]
			if c == 0 {
				continue
			}
			want := float64(s) / float64(c)
			got := float64(b.Sums[j]) / float64(b.Counts[0])
			if math.Abs(got-want) > 1e-6*want {
				t.Fatalf("%s[%d]: mean square %g, want %g", e.Name, j, got, want)
			}
		}
	}
	// Writing what was read gives the same file again.
	second := writeBytes(t, back, FormatDat)
	if !bytes.Equal(first, second) {
		t.Errorf("dat → read → dat changed the bytes (%d vs %d bytes)", len(first), len(second))
	}
}

func TestReadDatErrors(t *testing.T) {
	valid := func() *datBuilder {
		var b datBuilder
		b.i32(1)
		b.entry("blk.0.attn_q.weight", 1, 1, 2)
		b.i32(1)
		b.str("c.txt")
		return &b
	}
	tests := []struct {
		name  string
		build func() []byte
		want  string
	}{
		{"empty file", func() []byte { return nil }, "truncated file: reading entry count"},
		{"no entries", func() []byte { var b datBuilder; b.i32(0); return b.Bytes() }, "no data"},
		{"negative name length", func() []byte { var b datBuilder; b.i32(1); b.i32(-5); return b.Bytes() }, "bad name length -5"},
		{"huge name length", func() []byte { var b datBuilder; b.i32(1); b.i32(math.MaxInt32); return b.Bytes() }, "truncated file: reading name"},
		{"huge value count", func() []byte {
			var b datBuilder
			b.i32(1)
			b.str("w")
			b.i32(1)
			b.i32(math.MaxInt32)
			return b.Bytes()
		}, `entry 1 "w" (2147483647 values): offset 17: truncated`},
		{"zero values", func() []byte { var b datBuilder; b.i32(1); b.entry("w", 1); return b.Bytes() }, "bad value count 0"},
		{"negative ncall", func() []byte { var b datBuilder; b.i32(1); b.entry("w", -1, 1); return b.Bytes() }, "negative ncall"},
		{"nan value", func() []byte { var b datBuilder; b.i32(1); b.entry("w", 1, 1, float32(math.NaN())); return b.Bytes() }, `entry 1 "w": value NaN at column 1`},
		{"negative value", func() []byte { var b datBuilder; b.i32(1); b.entry("w", 1, -2); return b.Bytes() }, "must be finite and non-negative"},
		{"duplicate", func() []byte { var b datBuilder; b.i32(2); b.entry("w", 1, 1); b.entry("w", 1, 1); return b.Bytes() }, `"w" appears twice`},
		{"NUL in name", func() []byte { var b datBuilder; b.i32(1); b.entry("a\x00b", 1, 1); return b.Bytes() }, "NUL"},
		{"trailing garbage", func() []byte { b := valid(); b.WriteString("xyz"); return b.Bytes() }, "unexpected data after the dataset name"},
		{"second entry missing", func() []byte { var b datBuilder; b.i32(2); b.entry("w", 1, 1); return b.Bytes() }, "entry 2: offset 21: truncated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadDat(bytes.NewReader(tc.build()), 0)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	// Every truncation of a valid file is an error, except right after the
	// entries or after the chunk count (old files end there).
	full := valid().Bytes()
	entriesEnd, chunkEnd := len(full)-4-4-5, len(full)-4-5
	for n := 0; n < len(full); n++ {
		_, err := ReadDat(bytes.NewReader(full[:n]), 0)
		if (err == nil) != (n == entriesEnd || n == chunkEnd) {
			t.Errorf("prefix of %d bytes: err = %v", n, err)
		}
	}
}

func FuzzReadDat(f *testing.F) {
	f.Add(writeBytes(f, synthData(3, 2, []weightSpec{{"attn_q", 4, 1}, {"ffn_up_exps", 2, 3}}, false), FormatDat))
	var b datBuilder
	b.i32(1)
	b.entry("w", 0, 1)
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ReadDat(bytes.NewReader(data), 0)
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("ReadDat accepted invalid data: %v", err)
		}
		var out bytes.Buffer
		err = WriteDat(&out, d)
		if len(d.Skipped()) == len(d.Entries) {
			if err == nil {
				t.Fatal("WriteDat wrote a file without data")
			}
			return
		}
		if err != nil {
			t.Fatalf("cannot write back what was read: %v", err)
		}
		if _, err := ReadDat(&out, 0); err != nil {
			t.Fatalf("cannot read back what was written: %v", err)
		}
	})
}
