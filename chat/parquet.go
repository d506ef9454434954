package chat

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// ParquetReader reads conversation records from a parquet file, decoding
// only the turns column (a list of {role, content} or {from, value}
// groups) and the id column.
type ParquetReader struct {
	name   string
	r      *parquet.GenericReader[map[string]any]
	closer io.Closer
	key    string
	idKey  string
	row    int64
	rowBuf []map[string]any
}

// OpenParquet opens the parquet file at path; key names the turns column
// (DefaultKeys when empty) and idKey the id column ("" for none, and left
// out when the file has none).
func OpenParquet(path, key, idKey string) (*ParquetReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open input %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open input %s: %w", path, err)
	}
	r, err := NewParquetReader(f, fi.Size(), path, key, idKey)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewParquetReader reads parquet data of the given size from ra; name is
// used in errors and as each conversation's Source.
func NewParquetReader(ra io.ReaderAt, size int64, name, key, idKey string) (r *ParquetReader, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("read parquet %s: corrupt file: %v", name, p)
		}
	}()
	if size < 12 {
		return nil, fmt.Errorf("read parquet %s: file of %d bytes is too short to be parquet (empty or truncated?)", name, size)
	}
	f, err := parquet.OpenFile(ra, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.ReadBufferSize(1<<20))
	if err != nil {
		return nil, fmt.Errorf("read parquet %s: %w (corrupt or truncated file?)", name, err)
	}
	schema := f.Schema()
	fields := map[string]parquet.Field{}
	var names []string
	for _, fd := range schema.Fields() {
		fields[fd.Name()] = fd
		names = append(names, fd.Name())
	}
	if key == "" {
		for _, k := range DefaultKeys {
			if _, ok := fields[k]; ok {
				key = k
				break
			}
		}
	}
	turns, ok := fields[key]
	if !ok {
		want := "a messages or conversations column"
		if key != "" {
			want = fmt.Sprintf("column %q", key)
		}
		return nil, fmt.Errorf("read parquet %s: no %s; columns present: %s; name the turns column with --chat-column", name, want, strings.Join(names, ", "))
	}
	if turns.Leaf() || !turns.Repeated() && len(turns.Fields()) != 1 {
		return nil, fmt.Errorf("read parquet %s: column %q is not a list of turns", name, key)
	}
	group := parquet.Group{key: turns}
	if fd, ok := fields[idKey]; ok && idKey != "" && fd.Leaf() {
		group[idKey] = fd
	} else {
		idKey = ""
	}
	return &ParquetReader{
		name: name, key: key, idKey: idKey,
		r: parquet.NewGenericReader[map[string]any](f, parquet.NewSchema("conversation", group)),
	}, nil
}

// Next returns the next record, or io.EOF at the end of the file.
func (r *ParquetReader) Next() (rec Record, err error) {
	defer func() {
		if p := recover(); p != nil {
			rec, err = Record{}, fmt.Errorf("read parquet %s row %d: corrupt file: %v", r.name, r.row+1, p)
		}
	}()
	if r.rowBuf == nil {
		r.rowBuf = make([]map[string]any, 1)
	}
	r.rowBuf[0] = map[string]any{}
	n, err := r.r.Read(r.rowBuf)
	if n == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		return Record{}, fmt.Errorf("read parquet %s row %d: %w", r.name, r.row+1, err)
	}
	r.row++
	row := r.rowBuf[0]
	rec.Line = r.row
	turns, _ := row[r.key].([]any)
	msgs, skip := messagesFromValues(turns)
	if skip != nil {
		rec.Skip = skip
		return rec, nil
	}
	rec.Conversation = Conversation{Source: r.name, Messages: msgs}
	if r.idKey != "" {
		if v := row[r.idKey]; v != nil {
			rec.Conversation.ID = fmt.Sprint(v)
		}
	}
	return rec, nil
}

// Close closes the file OpenParquet opened.
func (r *ParquetReader) Close() error {
	err := r.r.Close()
	if r.closer != nil {
		if cerr := r.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
