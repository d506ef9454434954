package corpus

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// ParquetReader streams documents from a parquet file row group by row
// group, reading only the pages of the columns it needs, so memory is
// bounded by a page of each column, not by the file or a row group.
type ParquetReader struct {
	name   string
	file   *parquet.File
	ra     io.ReaderAt
	closer io.Closer
	groups []parquet.RowGroup

	// cols are the columns read: text, then id, title, url when named.
	cols  []*columnCursor
	dst   []func(*Document) *string
	group int   // current row group
	left  int64 // rows left in the current row group
	row   int64 // rows returned so far
	done  int64 // compressed bytes of finished row groups
}

// OpenParquet opens the parquet file at path and checks that the columns
// named in opts exist (parquet-go would silently yield empty strings for a
// misspelled one).
func OpenParquet(path string, opts ReaderOptions) (*ParquetReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open input %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open input %s: %w", path, err)
	}
	r, err := NewParquetReader(f, fi.Size(), path, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewParquetReader reads parquet data of the given size from ra; name is
// used in errors and as the documents' Source.
func NewParquetReader(ra io.ReaderAt, size int64, name string, opts ReaderOptions) (r *ParquetReader, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("read parquet %s: corrupt file: %v", name, p)
		}
	}()
	if opts.TextColumn == "" {
		return nil, fmt.Errorf("read parquet %s: no text column given", name)
	}
	if err := checkParquetFrame(ra, size); err != nil {
		return nil, fmt.Errorf("read parquet %s: %w", name, err)
	}
	f, err := parquet.OpenFile(ra, size,
		parquet.SkipPageIndex(true),
		parquet.SkipBloomFilters(true),
		parquet.ReadBufferSize(1<<20),
	)
	if err != nil {
		return nil, fmt.Errorf("read parquet %s: %w (corrupt or truncated file?)", name, err)
	}
	r = &ParquetReader{name: name, file: f, ra: ra, groups: f.RowGroups(), group: -1}
	schema := f.Schema()
	for _, c := range []struct {
		flag, col string
		dst       func(*Document) *string
	}{
		{"--text-column", opts.TextColumn, func(d *Document) *string { return &d.Text }},
		{"--id-column", opts.IDColumn, func(d *Document) *string { return &d.ID }},
		{"--title-column", opts.TitleColumn, func(d *Document) *string { return &d.Title }},
		{"--url-column", opts.URLColumn, func(d *Document) *string { return &d.URL }},
	} {
		if c.col == "" {
			continue
		}
		leaf, ok := schema.Lookup(strings.Split(c.col, ".")...)
		if !ok {
			hint := fmt.Sprintf("name the right one with %s", c.flag)
			if c.flag != "--text-column" {
				hint += ` or skip it with ` + c.flag + ` ""`
			}
			return nil, fmt.Errorf("read parquet %s: no column %q; columns present: %s; %s",
				name, c.col, columnList(schema), hint)
		}
		if leaf.MaxRepetitionLevel > 0 {
			return nil, fmt.Errorf("read parquet %s: column %q is a list, not a single value per row", name, c.col)
		}
		switch leaf.Node.Type().Kind() {
		case parquet.ByteArray, parquet.FixedLenByteArray:
		case parquet.Int32, parquet.Int64:
			if c.flag == "--text-column" {
				return nil, fmt.Errorf("read parquet %s: text column %q holds numbers, not strings", name, c.col)
			}
		default:
			return nil, fmt.Errorf("read parquet %s: column %q has type %s, not a string", name, c.col, leaf.Node.Type())
		}
		r.cols = append(r.cols, &columnCursor{name: c.col, index: leaf.ColumnIndex, buf: make([]parquet.Value, 64)})
		r.dst = append(r.dst, c.dst)
	}
	return r, nil
}

// checkParquetFrame checks the magic bytes and the footer length before
// parquet-go allocates a buffer of the length the (maybe corrupt) file
// claims.
func checkParquetFrame(ra io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("file of %d bytes is too short to be parquet (empty or truncated?)", size)
	}
	var head, tail [4]byte
	var foot [8]byte
	if _, err := ra.ReadAt(head[:], 0); err != nil {
		return err
	}
	if _, err := ra.ReadAt(foot[:], size-8); err != nil {
		return err
	}
	copy(tail[:], foot[4:])
	if string(head[:]) != "PAR1" || string(tail[:]) != "PAR1" {
		return errors.New("not a parquet file: the PAR1 magic bytes are missing at its start or end (truncated or corrupt?)")
	}
	n := int64(foot[0]) | int64(foot[1])<<8 | int64(foot[2])<<16 | int64(foot[3])<<24
	if n <= 0 || n > size-12 {
		return fmt.Errorf("footer length %d does not fit in a file of %d bytes (corrupt file)", n, size)
	}
	return nil
}

func columnList(s *parquet.Schema) string {
	var names []string
	for _, p := range s.Columns() {
		names = append(names, strconv.Quote(strings.Join(p, ".")))
	}
	if len(names) == 0 {
		return "(none)"
	}
	return strings.Join(names, ", ")
}

// NumRows returns the number of rows in the file.
func (r *ParquetReader) NumRows() int64 { return r.file.NumRows() }

// Offset returns the compressed bytes of the row groups read so far.
func (r *ParquetReader) Offset() int64 { return r.done }

// Next returns the next row as a document, or io.EOF after the last row.
func (r *ParquetReader) Next() (doc Document, err error) {
	defer func() {
		if p := recover(); p != nil {
			doc, err = Document{}, fmt.Errorf("read parquet %s row group %d: corrupt data: %v", r.name, r.group, p)
		}
	}()
	for r.left == 0 {
		if err := r.nextGroup(); err != nil {
			return Document{}, err
		}
	}
	doc.Source = r.name
	for i, c := range r.cols {
		v, err := c.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("column %q ends before the row group's %d rows (truncated file?)",
					c.name, r.groups[r.group].NumRows())
			}
			return Document{}, fmt.Errorf("read parquet %s row group %d: %w", r.name, r.group, err)
		}
		*r.dst[i](&doc) = v
	}
	r.left--
	r.row++
	if doc.ID == "" {
		doc.ID = strconv.FormatInt(r.row-1, 10)
	}
	return doc, nil
}

func (r *ParquetReader) nextGroup() error {
	if r.group >= 0 {
		for _, c := range r.cols {
			c.close()
		}
		if md := r.file.Metadata(); r.group < len(md.RowGroups) {
			r.done += md.RowGroups[r.group].TotalCompressedSize
		}
	}
	r.group++
	if r.group >= len(r.groups) {
		r.done = r.file.Size()
		return io.EOF
	}
	g := r.groups[r.group]
	chunks := g.ColumnChunks()
	md := r.file.Metadata()
	for _, c := range r.cols {
		if c.index >= len(chunks) || r.group >= len(md.RowGroups) || c.index >= len(md.RowGroups[r.group].Columns) {
			return fmt.Errorf("read parquet %s row group %d: column %q missing from the row group", r.name, r.group, c.name)
		}
		if err := checkColumnChunk(r.ra, r.file.Size(), &md.RowGroups[r.group].Columns[c.index].MetaData); err != nil {
			return fmt.Errorf("read parquet %s row group %d: column %q: %w (corrupt file)", r.name, r.group, c.name, err)
		}
		c.open(chunks[c.index])
	}
	r.left = g.NumRows()
	return nil
}

// Close releases the file.
func (r *ParquetReader) Close() error {
	for _, c := range r.cols {
		c.close()
	}
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// columnCursor walks the values of one column chunk page by page.
type columnCursor struct {
	name  string
	index int
	pages parquet.Pages
	page  parquet.Page // the page vals reads, returned to parquet-go's pool once read
	vals  parquet.ValueReader
	buf   []parquet.Value
	i, n  int
}

func (c *columnCursor) open(chunk parquet.ColumnChunk) {
	c.close()
	c.pages = chunk.Pages()
}

func (c *columnCursor) close() {
	if c.pages != nil {
		c.pages.Close()
		c.pages = nil
	}
	c.releasePage()
	c.vals = nil
	c.i, c.n = 0, 0
}

// releasePage hands the current page's buffers back to parquet-go for the
// next page: without it every page's decompressed data is a fresh
// allocation, which made the garbage collector run several hundred times
// on a gigabyte of text. Values read from the page are copied first.
func (c *columnCursor) releasePage() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
}

// next returns the column's next value as a string (numbers formatted,
// null as "").
func (c *columnCursor) next() (string, error) {
	for c.i >= c.n {
		if c.vals == nil {
			c.releasePage()
			p, err := c.pages.ReadPage()
			if err != nil {
				if errors.Is(err, io.EOF) {
					return "", io.EOF
				}
				return "", fmt.Errorf("column %q: %w", c.name, err)
			}
			c.page, c.vals = p, p.Values()
		}
		n, err := c.vals.ReadValues(c.buf)
		c.i, c.n = 0, n
		if n == 0 && err == nil {
			err = io.EOF // a reader that makes no progress ends the page
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return "", fmt.Errorf("column %q: %w", c.name, err)
			}
			c.vals = nil
		}
	}
	v := c.buf[c.i]
	c.i++
	if v.IsNull() {
		return "", nil
	}
	switch v.Kind() {
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return string(v.ByteArray()), nil
	case parquet.Int32:
		return strconv.FormatInt(int64(v.Int32()), 10), nil
	case parquet.Int64:
		return strconv.FormatInt(v.Int64(), 10), nil
	}
	return v.String(), nil
}
