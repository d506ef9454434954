package datasets

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
)

// WikitextStats counts what WriteWikitextRaw wrote.
type WikitextStats struct {
	Rows      int64 `json:"rows"`
	EmptyRows int64 `json:"empty_rows"`
	Bytes     int64 `json:"bytes"`
}

// WriteWikitextRaw writes the "text" column of a wikitext parquet file
// (name is used in errors) so that the original raw file comes back: each
// non-empty row exactly as stored (it already ends in "\n"), each empty
// row as the blank line " \n" it stood for. The column is streamed page
// by page. For wikitext-2-raw-v1's test split the result is
// wiki.test.raw: 4,358 lines, 1,290,590 bytes.
func WriteWikitextRaw(w io.Writer, r io.ReaderAt, size int64, name string) (st WikitextStats, err error) {
	defer func() {
		// parquet-go can panic on a corrupt file; report it as bad input.
		if p := recover(); p != nil {
			err = fmt.Errorf("read parquet %s near row %d: corrupt file (%v)", name, st.Rows, p)
		}
	}()
	return writeWikitextRaw(w, r, size, name, &st)
}

func writeWikitextRaw(w io.Writer, r io.ReaderAt, size int64, name string, stp *WikitextStats) (WikitextStats, error) {
	st := stp
	if err := checkParquetFrame(r, size); err != nil {
		return *st, fmt.Errorf("read parquet %s: %w", name, err)
	}
	f, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return *st, fmt.Errorf("read parquet %s: %w", name, err)
	}
	leaf, ok := f.Schema().Lookup("text")
	if !ok {
		return *st, fmt.Errorf("parquet %s has no \"text\" column (columns: %v); is it a wikitext file?", name, columnNames(f.Schema()))
	}
	if leaf.Node.Repeated() || leaf.Node.Type().Kind() != parquet.ByteArray {
		return *st, fmt.Errorf("parquet %s: column \"text\" is %v, want a string column", name, leaf.Node.Type())
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	vals := make([]parquet.Value, 1024)
	for gi, rg := range f.RowGroups() {
		md := f.Metadata().RowGroups[gi].Columns[leaf.ColumnIndex].MetaData
		if err := checkPages(r, size, &md); err != nil {
			return *st, fmt.Errorf("read parquet %s row group %d, column text: %w", name, gi, err)
		}
		pages := rg.ColumnChunks()[leaf.ColumnIndex].Pages()
		for {
			page, err := pages.ReadPage()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				pages.Close()
				return *st, fmt.Errorf("read parquet %s row group %d near row %d: %w", name, gi, st.Rows, err)
			}
			vr := page.Values()
			for {
				n, rerr := vr.ReadValues(vals)
				for _, v := range vals[:n] {
					if v.IsNull() {
						parquet.Release(page)
						pages.Close()
						return *st, fmt.Errorf("parquet %s row %d: text is null", name, st.Rows)
					}
					b := v.ByteArray()
					if len(b) == 0 {
						b = []byte(" \n")
						st.EmptyRows++
					}
					if _, err := bw.Write(b); err != nil {
						parquet.Release(page)
						pages.Close()
						return *st, fmt.Errorf("write wikitext row %d: %w", st.Rows, err)
					}
					st.Bytes += int64(len(b))
					st.Rows++
				}
				if errors.Is(rerr, io.EOF) {
					break
				}
				if rerr != nil {
					parquet.Release(page)
					pages.Close()
					return *st, fmt.Errorf("read parquet %s row group %d near row %d: %w", name, gi, st.Rows, rerr)
				}
			}
			parquet.Release(page)
		}
		if err := pages.Close(); err != nil {
			return *st, fmt.Errorf("read parquet %s row group %d: %w", name, gi, err)
		}
	}
	if st.Rows != f.NumRows() {
		return *st, fmt.Errorf("parquet %s: read %d text values, the file says %d rows", name, st.Rows, f.NumRows())
	}
	if err := bw.Flush(); err != nil {
		return *st, fmt.Errorf("write wikitext: %w", err)
	}
	return *st, nil
}

func columnNames(s *parquet.Schema) []string {
	var out []string
	for _, p := range s.Columns() {
		out = append(out, fmt.Sprint(p))
	}
	return out
}
