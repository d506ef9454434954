package imatrix

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
)

// The legacy .dat layout, all integers little-endian int32:
//
//	n_entries
//	n_entries × { name_len, name bytes, ncall, nval, nval × float32 }
//	last_chunk, dataset_len, dataset bytes      (absent in old files)
//
// Each value is the column's mean square multiplied by ncall, where ncall is
// the largest per-expert count divided by the chunk size, rounded up. The
// file records neither the chunk size nor the number of experts.

// maxDatBlock bounds each allocation while reading, so that a damaged header
// announcing billions of values fails at the end of the file instead of
// allocating them up front.
const maxDatBlock = 1 << 16

// ReadDat reads a legacy .dat imatrix from r, as llama-imatrix's --in-file
// does: each entry gets a single count ncall×chunkSize and sums value×chunkSize,
// so that sums/count gives back the stored mean squares. chunkSize ≤ 0 means
// DefaultDatChunkSize. The experts of a mixture-of-experts weight cannot be
// told apart in this format: such an entry reads as one matrix of
// experts×columns values (Cols = nval), as llama.cpp reads it.
func ReadDat(r io.Reader, chunkSize int) (*Data, error) {
	if chunkSize <= 0 {
		chunkSize = DefaultDatChunkSize
	}
	dr := &datReader{r: r}
	n := dr.i32("entry count")
	if dr.err != nil {
		return nil, dr.err
	}
	if n < 1 {
		return nil, fmt.Errorf("offset 0: entry count %d: no data (or not an imatrix file)", n)
	}
	d := &Data{ChunkSize: chunkSize}
	seen := make(map[string]bool)
	maxCall := int32(0)
	for i := 0; i < int(n); i++ {
		e, ncall, err := dr.entry(i, chunkSize)
		if err != nil {
			return nil, err
		}
		if seen[e.Name] {
			return nil, fmt.Errorf("entry %d %q appears twice", i+1, e.Name)
		}
		seen[e.Name] = true
		maxCall = max(maxCall, ncall)
		d.Entries = append(d.Entries, e)
	}
	d.ChunkCount = int(maxCall)

	// The trailer: the chunk count, then the dataset name. Old files end here.
	var b [1]byte
	if k, _ := io.ReadFull(r, b[:]); k == 0 {
		d.Entries = sortedEntries(d)
		return d, nil
	}
	dr.off++
	rest := dr.bytes(3, "chunk count")
	if dr.err != nil {
		return nil, dr.err
	}
	last := int32(binary.LittleEndian.Uint32(append(b[:], rest...)))
	if last < 0 {
		return nil, fmt.Errorf("offset %d: negative chunk count %d", dr.off-4, last)
	}
	d.ChunkCount = int(last)
	if k, _ := io.ReadFull(r, b[:]); k == 0 {
		d.Entries = sortedEntries(d)
		return d, nil // llama-imatrix tolerates a file without the dataset name
	}
	dr.off++
	rest = dr.bytes(3, "dataset name length")
	if dr.err != nil {
		return nil, dr.err
	}
	nameLen := int32(binary.LittleEndian.Uint32(append(b[:], rest...)))
	if nameLen < 0 {
		return nil, fmt.Errorf("offset %d: negative dataset name length %d", dr.off-4, nameLen)
	}
	name := dr.bytes(int(nameLen), "dataset name")
	if dr.err != nil {
		return nil, dr.err
	}
	d.Datasets = []string{string(name)}
	if k, _ := io.ReadFull(r, b[:]); k != 0 {
		return nil, fmt.Errorf("offset %d: unexpected data after the dataset name: the file is damaged or not a legacy imatrix", dr.off)
	}
	d.Entries = sortedEntries(d)
	return d, nil
}

type datReader struct {
	r   io.Reader
	off int64
	err error
}

// bytes reads n bytes, growing the buffer block by block.
func (dr *datReader) bytes(n int, what string) []byte {
	if dr.err != nil {
		return nil
	}
	var out []byte
	for len(out) < n {
		k := min(n-len(out), maxDatBlock*4)
		start := len(out)
		out = append(out, make([]byte, k)...)
		got, err := io.ReadFull(dr.r, out[start:])
		dr.off += int64(got)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				dr.err = fmt.Errorf("offset %d: truncated file: reading %s", dr.off, what)
			} else {
				dr.err = fmt.Errorf("offset %d: reading %s: %w", dr.off, what, err)
			}
			return nil
		}
	}
	return out
}

func (dr *datReader) i32(what string) int32 {
	b := dr.bytes(4, what)
	if b == nil {
		return 0
	}
	return int32(binary.LittleEndian.Uint32(b))
}

func (dr *datReader) entry(i, chunkSize int) (*Entry, int32, error) {
	at := dr.off
	nameLen := dr.i32("name length")
	if dr.err != nil {
		return nil, 0, fmt.Errorf("entry %d: %w", i+1, dr.err)
	}
	if nameLen <= 0 {
		return nil, 0, fmt.Errorf("offset %d: entry %d: bad name length %d", at, i+1, nameLen)
	}
	name := string(dr.bytes(int(nameLen), "name"))
	if dr.err != nil {
		return nil, 0, fmt.Errorf("entry %d: %w", i+1, dr.err)
	}
	if strings.IndexByte(name, 0) >= 0 {
		return nil, 0, fmt.Errorf("offset %d: entry %d: name %q contains a NUL byte", at+4, i+1, name)
	}
	ncall := dr.i32("ncall")
	nval := dr.i32("value count")
	if dr.err != nil {
		return nil, 0, fmt.Errorf("entry %d %q: %w", i+1, name, dr.err)
	}
	if ncall < 0 {
		return nil, 0, fmt.Errorf("offset %d: entry %d %q: negative ncall %d", dr.off-8, i+1, name, ncall)
	}
	if nval < 1 {
		return nil, 0, fmt.Errorf("offset %d: entry %d %q: bad value count %d", dr.off-4, i+1, name, nval)
	}
	valAt := dr.off
	raw := dr.bytes(int(nval)*4, "values")
	if dr.err != nil {
		return nil, 0, fmt.Errorf("entry %d %q (%d values): %w", i+1, name, nval, dr.err)
	}
	cs := float32(chunkSize)
	sums := make([]float32, nval)
	for j := range sums {
		v := math.Float32frombits(binary.LittleEndian.Uint32(raw[4*j:]))
		if !(v >= 0) || math.IsInf(float64(v), 1) {
			return nil, 0, fmt.Errorf("offset %d: entry %d %q: value %v at column %d: must be finite and non-negative", valAt+int64(4*j), i+1, name, v, j)
		}
		sums[j] = v * cs
		if math.IsInf(float64(sums[j]), 1) {
			return nil, 0, fmt.Errorf("offset %d: entry %d %q: value %v at column %d is too large: times the chunk size %d it overflows float32", valAt+int64(4*j), i+1, name, v, j, chunkSize)
		}
	}
	e := &Entry{
		Name:   name,
		Cols:   int(nval),
		Sums:   sums,
		Counts: []int64{int64(ncall) * int64(chunkSize)},
	}
	return e, ncall, nil
}

// WriteDat writes d in the legacy .dat format exactly as llama-imatrix's
// --output-format dat does: entries sorted by name; entries whose experts all
// have a zero count are left out (the format cannot hold them); ncall is the
// largest count divided by d.ChunkSize rounded up; each value is
// (sum/count)×ncall in float32, with 1×ncall for experts that saw no data;
// then d.ChunkCount and the last dataset name. Activation sums (in_sum) are
// not stored. Use Skipped to learn which entries WriteDat leaves out.
func WriteDat(w io.Writer, d *Data) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if d.ChunkSize <= 0 {
		return fmt.Errorf("chunk size %d: the .dat format needs the chunk size to compute ncall", d.ChunkSize)
	}
	if d.ChunkCount > math.MaxInt32 {
		return fmt.Errorf("chunk count %d does not fit the .dat format", d.ChunkCount)
	}
	var store []*Entry
	for _, e := range sortedEntries(d) {
		if hasData(e) {
			store = append(store, e)
		}
	}
	if len(store) == 0 {
		return fmt.Errorf("no entry has data (every count is zero): a .dat file needs at least one")
	}
	ew := &errWriter{w: w}
	ew.i32(int32(len(store)))
	cs := int64(d.ChunkSize)
	var buf []byte
	for _, e := range store {
		if len(e.Name) > math.MaxInt32 || len(e.Sums) > math.MaxInt32 {
			return fmt.Errorf("entry %q is too large for the .dat format", e.Name)
		}
		maxCount := int64(0)
		for _, c := range e.Counts {
			maxCount = max(maxCount, c)
		}
		ncall64 := (maxCount + cs - 1) / cs
		if ncall64 > math.MaxInt32 {
			return fmt.Errorf("entry %q: count %d too large for the .dat format", e.Name, maxCount)
		}
		ncall := float32(ncall64)
		ew.i32(int32(len(e.Name)))
		ew.write([]byte(e.Name))
		ew.i32(int32(ncall64))
		ew.i32(int32(len(e.Sums)))
		buf = buf[:0]
		for m, c := range e.Counts {
			count := float32(c)
			for _, v := range e.Sums[m*e.Cols : (m+1)*e.Cols] {
				if count == 0 {
					v = 1 // llama.cpp stores 1 for experts with no data
					buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits((v/1)*ncall))
					continue
				}
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits((v/count)*ncall))
			}
		}
		ew.write(buf)
	}
	ew.i32(int32(d.ChunkCount))
	dataset := ""
	if len(d.Datasets) > 0 {
		dataset = d.Datasets[len(d.Datasets)-1]
	}
	ew.i32(int32(len(dataset)))
	ew.write([]byte(dataset))
	return ew.err
}

// Skipped returns the names of the entries that have no data at all (every
// expert's count is zero): WriteDat leaves them out, as llama.cpp does.
func (d *Data) Skipped() []string {
	var out []string
	for _, e := range sortedEntries(d) {
		if !hasData(e) {
			out = append(out, e.Name)
		}
	}
	return out
}

func hasData(e *Entry) bool {
	for _, c := range e.Counts {
		if c != 0 {
			return true
		}
	}
	return false
}

type errWriter struct {
	w   io.Writer
	err error
	buf [4]byte
}

func (ew *errWriter) write(b []byte) {
	if ew.err != nil {
		return
	}
	_, ew.err = ew.w.Write(b)
}

func (ew *errWriter) i32(v int32) {
	binary.LittleEndian.PutUint32(ew.buf[:], uint32(v))
	ew.write(ew.buf[:])
}
