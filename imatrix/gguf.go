package imatrix

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/calibkit/calibkit/internal/gguf"
)

// Metadata keys and tensor name suffixes of the GGUF imatrix format, as
// llama.cpp's tools/imatrix names them.
const (
	KeyGeneralType = "general.type"
	KeyDatasets    = "imatrix.datasets"
	KeyChunkCount  = "imatrix.chunk_count"
	KeyChunkSize   = "imatrix.chunk_size"

	SuffixSums2  = ".in_sum2"
	SuffixCounts = ".counts"
	SuffixSums   = ".in_sum"
)

// maxTensorName is ggml's GGML_MAX_NAME: tensor names must be shorter.
const maxTensorName = 64

// ReadGGUF reads a GGUF imatrix of size bytes from r. It accepts the files
// llama-imatrix writes, with or without "<name>.in_sum" tensors, dense or
// mixture-of-experts, and checks each entry as llama.cpp does and more:
// both "<name>.in_sum2" and "<name>.counts" must exist, as F32 tensors of
// shapes [ne0, n_mat] and n_mat counts; "<name>.in_sum", when present, has
// as many values as in_sum2. Counts are rounded to integers as llama.cpp's
// lround does. Tensors with other suffixes are ignored, as llama.cpp ignores them.
func ReadGGUF(r io.ReaderAt, size int64) (*Data, error) {
	f, err := gguf.Decode(io.NewSectionReader(r, 0, size), size)
	if err != nil {
		return nil, err
	}
	d := &Data{}
	if v, ok := f.Value(KeyGeneralType); ok {
		if s, _ := v.(string); s != "imatrix" {
			return nil, fmt.Errorf("%s is %v, not \"imatrix\": this GGUF file is not an importance matrix (a model?)", KeyGeneralType, v)
		}
	}
	if _, ok := f.Value(KeyDatasets); ok {
		if d.Datasets, err = f.Strings(KeyDatasets); err != nil {
			return nil, err
		}
	}
	for _, m := range []struct {
		key string
		dst *int
	}{{KeyChunkCount, &d.ChunkCount}, {KeyChunkSize, &d.ChunkSize}} {
		key, dst := m.key, m.dst
		if _, ok := f.Value(key); !ok {
			continue
		}
		v, err := f.Uint(key)
		if err != nil {
			return nil, err
		}
		if v > math.MaxInt32 {
			return nil, fmt.Errorf("metadata key %s holds %d, too large", key, v)
		}
		*dst = int(v)
	}

	type group struct{ sums2, counts, sums *gguf.TensorInfo }
	groups := map[string]*group{}
	var order []string
	for i := range f.Tensors {
		t := &f.Tensors[i]
		var name string
		var slot **gguf.TensorInfo
		get := func(n string) *group {
			g, ok := groups[n]
			if !ok {
				g = &group{}
				groups[n] = g
				order = append(order, n)
			}
			return g
		}
		switch {
		case strings.HasSuffix(t.Name, SuffixSums2):
			name = strings.TrimSuffix(t.Name, SuffixSums2)
			slot = &get(name).sums2
		case strings.HasSuffix(t.Name, SuffixCounts):
			name = strings.TrimSuffix(t.Name, SuffixCounts)
			slot = &get(name).counts
		case strings.HasSuffix(t.Name, SuffixSums):
			name = strings.TrimSuffix(t.Name, SuffixSums)
			slot = &get(name).sums
		default:
			continue
		}
		if name == "" {
			return nil, fmt.Errorf("tensor %q: empty weight name", t.Name)
		}
		*slot = t
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("no imatrix data: the file has %d tensors but none named <weight>%s / <weight>%s", len(f.Tensors), SuffixSums2, SuffixCounts)
	}

	// Tensors of a sound file do not overlap, so all the data read stays
	// within the file size: a damaged header whose tensors all point at the
	// same bytes cannot make the reader allocate size² bytes.
	var buf []byte
	var total uint64
	read := func(t *gguf.TensorInfo) ([]float32, error) {
		if t.Type != gguf.TensorF32 {
			return nil, fmt.Errorf("tensor %q has type %v, want F32", t.Name, t.Type)
		}
		n, err := t.Size()
		if err != nil {
			return nil, err
		}
		if total += n; n > uint64(size) || total > uint64(size) {
			return nil, fmt.Errorf("tensor %q (%d bytes): the tensors hold more data than the file (%d bytes): they overlap", t.Name, n, size)
		}
		if uint64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := r.ReadAt(buf, f.DataOffset+int64(t.Offset)); err != nil {
			return nil, fmt.Errorf("tensor %q: %w", t.Name, err)
		}
		out := make([]float32, n/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
		}
		return out, nil
	}

	for _, name := range order {
		g := groups[name]
		if g.sums2 == nil || g.counts == nil {
			return nil, fmt.Errorf("entry %q: mismatched sums and counts: %s and %s must both be present", name, name+SuffixSums2, name+SuffixCounts)
		}
		s2 := g.sums2
		for _, dim := range s2.Shape[min(2, len(s2.Shape)):] {
			if dim != 1 {
				return nil, fmt.Errorf("entry %q: %s has shape %v, want [columns, experts]", name, s2.Name, s2.Shape)
			}
		}
		cols := s2.Shape[0]
		nmat := uint64(1)
		if len(s2.Shape) > 1 {
			nmat = s2.Shape[1]
		}
		if cols == 0 || nmat == 0 {
			return nil, fmt.Errorf("entry %q: %s has empty shape %v", name, s2.Name, s2.Shape)
		}
		if n := g.counts.NumElements(); n != nmat {
			return nil, fmt.Errorf("entry %q: sizes disagree: %s has shape %v (%d experts) but %s has %d values", name, s2.Name, s2.Shape, nmat, g.counts.Name, n)
		}
		if g.sums != nil && g.sums.NumElements() != s2.NumElements() {
			return nil, fmt.Errorf("entry %q: sizes disagree: %s has %d values but %s has %d", name, g.sums.Name, g.sums.NumElements(), s2.Name, s2.NumElements())
		}
		e := &Entry{Name: name, Cols: int(cols)}
		if e.Sums, err = read(s2); err != nil {
			return nil, fmt.Errorf("entry %q: %w", name, err)
		}
		if g.sums != nil {
			if e.Activations, err = read(g.sums); err != nil {
				return nil, fmt.Errorf("entry %q: %w", name, err)
			}
		}
		counts, err := read(g.counts)
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", name, err)
		}
		e.Counts = make([]int64, len(counts))
		for m, c := range counts {
			if !(c >= 0) || math.IsInf(float64(c), 1) {
				return nil, fmt.Errorf("entry %q: expert %d has count %v: must be finite and non-negative", name, m, c)
			}
			e.Counts[m] = int64(math.Round(float64(c))) // lround: halves away from zero
		}
		if err := e.validate(); err != nil {
			return nil, fmt.Errorf("entry %q: %w", name, err)
		}
		d.Entries = append(d.Entries, e)
	}
	d.Entries = sortedEntries(d)
	return d, nil
}

// WriteGGUF writes d as a GGUF imatrix exactly as llama-imatrix does:
// general.type = "imatrix", imatrix.datasets (string array),
// imatrix.chunk_count and imatrix.chunk_size (u32), then per entry, sorted
// by name, the F32 tensors "<name>.in_sum2" [Cols, NMat] and
// "<name>.counts" [1, NMat], and "<name>.in_sum" [Cols, NMat] when the entry
// has activation sums. Like ggml's GGUF writer, it drops trailing dimensions
// of 1 (a dense weight's in_sum2 is [Cols], its counts [1]), so the bytes
// are those llama-imatrix writes. llama-quantize reads the result; it needs at least
// one dataset name, so an empty Datasets is an error.
func WriteGGUF(w io.Writer, d *Data) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if len(d.Datasets) == 0 {
		return fmt.Errorf("no dataset names: llama-quantize needs at least one in %s", KeyDatasets)
	}
	if uint64(d.ChunkCount) > math.MaxUint32 || uint64(d.ChunkSize) > math.MaxUint32 {
		return fmt.Errorf("chunk count %d or chunk size %d does not fit u32", d.ChunkCount, d.ChunkSize)
	}
	gw := gguf.NewWriter()
	for _, kv := range []gguf.KV{
		{Key: KeyGeneralType, Value: "imatrix"},
		{Key: KeyDatasets, Value: append([]string(nil), d.Datasets...)},
		{Key: KeyChunkCount, Value: uint32(d.ChunkCount)},
		{Key: KeyChunkSize, Value: uint32(d.ChunkSize)},
	} {
		if err := gw.AddKV(kv.Key, kv.Value); err != nil {
			return err
		}
	}
	for _, e := range sortedEntries(d) {
		if n := len(e.Name) + len(SuffixSums2); n >= maxTensorName {
			return fmt.Errorf("entry %q: the tensor name %s is %d bytes, ggml allows at most %d", e.Name, e.Name+SuffixSums2, n, maxTensorName-1)
		}
		nmat := uint64(e.NMat())
		shape := ggmlShape(uint64(e.Cols), nmat)
		counts := make([]float32, nmat)
		for m, c := range e.Counts {
			counts[m] = float32(c)
		}
		if err := gw.AddF32(e.Name+SuffixSums2, shape, e.Sums); err != nil {
			return err
		}
		if err := gw.AddF32(e.Name+SuffixCounts, ggmlShape(1, nmat), counts); err != nil {
			return err
		}
		if e.Activations != nil {
			if err := gw.AddF32(e.Name+SuffixSums, shape, e.Activations); err != nil {
				return err
			}
		}
	}
	_, err := gw.WriteTo(w)
	return err
}

// ggmlShape returns the dimensions ggml writes for a [ne0, ne1] tensor:
// ggml_n_dims drops a trailing 1.
func ggmlShape(ne0, ne1 uint64) []uint64 {
	if ne1 == 1 {
		return []uint64{ne0}
	}
	return []uint64{ne0, ne1}
}
