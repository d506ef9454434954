package tasks

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Row is one dataset row, keyed by column, as JSON would decode it
// (strings, float64 or json.Number, []any, map[string]any).
type Row map[string]any

// rowSource yields the rows of one input file with their 0-based index.
type rowSource func(yield func(i int, r Row, err error) bool)

// readRows opens a dataset file: parquet (by its PAR1 magic), a JSON array,
// or JSON Lines (JGLUE's .json files are JSON Lines).
func readRows(path string) (rowSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open input: %w", err)
	}
	var head [4]byte
	n, _ := io.ReadFull(f, head[:])
	if n == 4 && string(head[:]) == "PAR1" {
		return parquetRows(f, path)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("input %s: %w", path, err)
	}
	br := bufio.NewReaderSize(f, 1<<20)
	first, err := firstByte(br)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, fmt.Errorf("input %s: %w", path, err)
	}
	if first == '[' {
		return func(yield func(int, Row, error) bool) {
			defer f.Close()
			dec := json.NewDecoder(br)
			dec.UseNumber()
			if _, err := dec.Token(); err != nil {
				yield(0, nil, fmt.Errorf("input %s: %w", path, err))
				return
			}
			for i := 0; dec.More(); i++ {
				var r Row
				if err := dec.Decode(&r); err != nil {
					yield(i, nil, fmt.Errorf("input %s: item %d of the JSON array: %w", path, i, err))
					return
				}
				if !yield(i, r, nil) {
					return
				}
			}
		}, nil
	}
	return func(yield func(int, Row, error) bool) {
		defer f.Close()
		i := 0
		for line := 1; ; line++ {
			b, err := br.ReadBytes('\n')
			if len(bytes.TrimSpace(b)) > 0 {
				var r Row
				dec := json.NewDecoder(bytes.NewReader(b))
				dec.UseNumber()
				if derr := dec.Decode(&r); derr != nil {
					if !yield(i, nil, rowError{fmt.Errorf("line %d is not a JSON object: %w", line, derr)}) {
						return
					}
				} else if !yield(i, r, nil) {
					return
				}
				i++
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(i, nil, fmt.Errorf("input %s: line %d: %w", path, line, err))
				return
			}
		}
	}, nil
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if !strings.ContainsRune(" \t\r\n\ufeff", rune(b)) && b != 0xEF && b != 0xBB && b != 0xBF {
			br.UnreadByte()
			return b, nil
		}
	}
}

// parquetRows streams a parquet file's rows as maps.
func parquetRows(f *os.File, path string) (rowSource, error) {
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("input %s: %w", path, err)
	}
	pf, err := openParquet(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("input %s: %w (corrupt or truncated parquet file?)", path, err)
	}
	return func(yield func(int, Row, error) bool) {
		defer f.Close()
		schema := pf.Schema()
		i := 0
		for g, rg := range pf.RowGroups() {
			rows := rg.Rows()
			buf := make([]parquet.Row, 64)
			for {
				n, err := rows.ReadRows(buf)
				for _, pr := range buf[:n] {
					var v any
					if rerr := reconstruct(schema, &v, pr); rerr != nil {
						rows.Close()
						yield(i, nil, fmt.Errorf("input %s: row %d: %w", path, i, rerr))
						return
					}
					m, _ := v.(map[string]any)
					if !yield(i, Row(m), nil) {
						rows.Close()
						return
					}
					i++
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					rows.Close()
					yield(i, nil, fmt.Errorf("input %s: row group %d: %w", path, g, err))
					return
				}
			}
			rows.Close()
		}
	}, nil
}

func openParquet(ra io.ReaderAt, size int64) (f *parquet.File, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("corrupt parquet data: %v", p)
		}
	}()
	return parquet.OpenFile(ra, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
}

func reconstruct(s *parquet.Schema, v *any, r parquet.Row) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("corrupt parquet row: %v", p)
		}
	}()
	return s.Reconstruct(v, r)
}
