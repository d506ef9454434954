package imatrix

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/calibkit/calibkit/internal/atomicfile"
)

// Format names an imatrix file format.
type Format int

// The imatrix file formats llama.cpp reads and writes.
const (
	// FormatUnknown is the zero Format: no format chosen.
	FormatUnknown Format = iota
	// FormatGGUF is llama.cpp's default since mid-2025: a GGUF file with
	// "<name>.in_sum2" and "<name>.counts" tensors.
	FormatGGUF
	// FormatDat is the legacy binary format ("--output-format dat").
	FormatDat
)

// String returns "gguf", "dat" or "unknown".
func (f Format) String() string {
	switch f {
	case FormatGGUF:
		return "gguf"
	case FormatDat:
		return "dat"
	}
	return "unknown"
}

// ParseFormat parses a --output-format value: "gguf" or "dat".
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "gguf":
		return FormatGGUF, nil
	case "dat":
		return FormatDat, nil
	}
	return FormatUnknown, fmt.Errorf("unknown imatrix format %q: want gguf or dat", s)
}

// FormatForPath returns the format a file name's extension asks for: ".dat"
// for FormatDat, ".gguf" for FormatGGUF, FormatUnknown otherwise.
func FormatForPath(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".dat":
		return FormatDat
	case ".gguf":
		return FormatGGUF
	}
	return FormatUnknown
}

// DefaultDatChunkSize is the chunk size (tokens) assumed when reading a
// legacy .dat file, which does not record it. llama-imatrix assumes its own
// current context size, 512 by default.
const DefaultDatChunkSize = 512

// ReadFile reads an imatrix file of either format, telling them apart by
// content (GGUF files start with "GGUF").
// A legacy .dat file is read with DefaultDatChunkSize.
func ReadFile(path string) (*Data, error) {
	d, _, err := ReadFileFormat(path, DefaultDatChunkSize)
	return d, err
}

// ReadFileFormat is ReadFile that also reports which format the file had
// and reads a legacy .dat file with the given chunk size (≤ 0:
// DefaultDatChunkSize), as llama-imatrix --in-file uses its own -c.
func ReadFileFormat(path string, datChunkSize int) (*Data, Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, FormatUnknown, fmt.Errorf("read imatrix: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, FormatUnknown, fmt.Errorf("read imatrix %s: %w", path, err)
	}
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	if string(magic[:n]) == "GGUF" {
		d, err := ReadGGUF(f, st.Size())
		if err != nil {
			return nil, FormatGGUF, fmt.Errorf("read imatrix %s: %w", path, err)
		}
		return d, FormatGGUF, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, FormatUnknown, fmt.Errorf("read imatrix %s: %w", path, err)
	}
	d, err := ReadDat(bufio.NewReaderSize(f, 1<<16), datChunkSize)
	if err != nil {
		return nil, FormatDat, fmt.Errorf("read imatrix %s (legacy .dat format): %w", path, err)
	}
	return d, FormatDat, nil
}

// WriteFile writes d to path in format f atomically: the data goes to a
// temporary file in the same folder that is renamed at the end, so a failed
// run never leaves a truncated file under the final name.
func WriteFile(path string, d *Data, f Format) error {
	out, err := atomicfile.Create(path, atomicfile.RecordSHA256())
	if err != nil {
		return err
	}
	defer out.Abort()
	bw := bufio.NewWriterSize(out, 1<<20)
	switch f {
	case FormatGGUF:
		err = WriteGGUF(bw, d)
	case FormatDat:
		err = WriteDat(bw, d)
	default:
		err = fmt.Errorf("unknown imatrix format %v", f)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("write imatrix %s: %w", path, err)
	}
	return out.Commit()
}

// Validate checks that every entry is consistent: a name, sizes that agree
// (values = columns × experts, activations the same size), non-negative
// counts, finite non-negative sums of squares, finite activations and no
// duplicate names. The error names the first bad entry.
func (d *Data) Validate() error {
	seen := make(map[string]bool, len(d.Entries))
	for i, e := range d.Entries {
		if e == nil {
			return fmt.Errorf("entry %d is nil", i)
		}
		if err := e.validate(); err != nil {
			return fmt.Errorf("entry %q: %w", e.Name, err)
		}
		if seen[e.Name] {
			return fmt.Errorf("entry %q appears twice", e.Name)
		}
		seen[e.Name] = true
	}
	if d.ChunkCount < 0 || d.ChunkSize < 0 {
		return fmt.Errorf("negative chunk count %d or chunk size %d", d.ChunkCount, d.ChunkSize)
	}
	return nil
}

func (e *Entry) validate() error {
	if e.Name == "" {
		return errors.New("empty name")
	}
	if e.Cols <= 0 {
		return fmt.Errorf("%d columns", e.Cols)
	}
	if len(e.Counts) == 0 {
		return errors.New("no counts")
	}
	if len(e.Sums)/e.Cols != len(e.Counts) || len(e.Sums)%e.Cols != 0 {
		return fmt.Errorf("sizes disagree: %d sums of squares for %d columns × %d experts", len(e.Sums), e.Cols, len(e.Counts))
	}
	if e.Activations != nil && len(e.Activations) != len(e.Sums) {
		return fmt.Errorf("sizes disagree: %d sums (in_sum) but %d sums of squares (in_sum2)", len(e.Activations), len(e.Sums))
	}
	for m, c := range e.Counts {
		if c < 0 {
			return fmt.Errorf("expert %d has a negative count %d", m, c)
		}
	}
	for i, v := range e.Sums {
		if !(v >= 0) || math.IsInf(float64(v), 1) { // also catches NaN
			return fmt.Errorf("sum of squares %v at expert %d column %d: must be finite and non-negative", v, i/e.Cols, i%e.Cols)
		}
	}
	for i, v := range e.Activations {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("sum %v at expert %d column %d is not finite", v, i/e.Cols, i%e.Cols)
		}
	}
	return nil
}

// sortedEntries returns d's entries sorted by name, as llama.cpp writes them.
func sortedEntries(d *Data) []*Entry {
	es := append([]*Entry(nil), d.Entries...)
	sort.Slice(es, func(i, j int) bool { return es[i].Name < es[j].Name })
	return es
}
