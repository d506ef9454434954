package corpus

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Reader streams the documents of one input. Next returns io.EOF after the
// last document. Errors name the file and the position in it.
type Reader interface {
	Next() (Document, error)
	// Offset reports how many bytes of the input file have been consumed,
	// for progress reporting.
	Offset() int64
	Close() error
}

// Format is the kind of an input file.
type Format int

// Input formats, recognized by file extension.
const (
	FormatUnknown Format = iota
	FormatParquet
	FormatJSONL
	FormatText
)

func (f Format) String() string {
	switch f {
	case FormatParquet:
		return "parquet"
	case FormatJSONL:
		return "jsonl"
	case FormatText:
		return "text"
	}
	return "unknown"
}

// FormatOf tells the format of a file from its extension: .parquet;
// .jsonl or .ndjson; .txt or .raw (text). JSONL and text may be compressed
// (.gz, .zst). Other names give FormatUnknown.
func FormatOf(path string) Format {
	name := strings.ToLower(filepath.Base(path))
	if strings.HasSuffix(name, ".parquet") {
		return FormatParquet
	}
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".gz"), ".zst")
	switch filepath.Ext(name) {
	case ".jsonl", ".ndjson":
		return FormatJSONL
	case ".txt", ".raw", ".text":
		return FormatText
	}
	return FormatUnknown
}

// ReaderOptions choose the columns (parquet) or keys (JSONL) read as the
// parts of a Document.
type ReaderOptions struct {
	// TextColumn holds the document text; it must exist.
	TextColumn string
	// IDColumn, TitleColumn and URLColumn must exist in a parquet file
	// when not empty; an empty name skips that part. In JSONL a missing
	// key gives an empty value.
	IDColumn, TitleColumn, URLColumn string
}

// DefaultReaderOptions reads the Wikipedia schema (id, url, title, text) of
// the wikimedia/wikipedia dataset.
func DefaultReaderOptions() ReaderOptions {
	return ReaderOptions{TextColumn: "text", IDColumn: "id", TitleColumn: "title", URLColumn: "url"}
}

// Open opens path with the reader its extension calls for; a file of
// unknown extension is read as plain text.
func Open(path string, opts ReaderOptions) (Reader, error) {
	if FormatOf(path) == FormatParquet {
		return OpenParquet(path, opts)
	}
	r, cr, closer, err := openStream(path)
	if err != nil {
		return nil, err
	}
	if FormatOf(path) == FormatJSONL {
		return &fileReader{docReader: NewJSONLReader(r, path, opts), cr: cr, close: closer}, nil
	}
	return &fileReader{docReader: NewTextReader(r, path), cr: cr, close: closer}, nil
}

// openStream opens path for reading, through gzip or zstd when its name
// ends in .gz or .zst; cr counts the file bytes read.
func openStream(path string) (r io.Reader, cr *countingReader, closer func() error, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open input %s: %w", path, err)
	}
	cr = &countingReader{r: f}
	r = cr
	var closeDec func()
	lower := strings.ToLower(path)
	switch {
	case strings.HasSuffix(lower, ".gz"):
		zr, err := gzip.NewReader(bufio.NewReaderSize(cr, 1<<16))
		if err != nil {
			f.Close()
			return nil, nil, nil, fmt.Errorf("open input %s: gzip: %w", path, err)
		}
		r = zr
	case strings.HasSuffix(lower, ".zst"):
		zr, err := zstd.NewReader(cr, zstd.WithDecoderConcurrency(1))
		if err != nil {
			f.Close()
			return nil, nil, nil, fmt.Errorf("open input %s: zstd: %w", path, err)
		}
		r, closeDec = zr, zr.Close
	}
	closer = func() error {
		if closeDec != nil {
			closeDec()
		}
		return f.Close()
	}
	return r, cr, closer, nil
}

type docReader interface{ Next() (Document, error) }

// fileReader adds Offset and Close to a stream reader over an opened file.
type fileReader struct {
	docReader
	cr    *countingReader
	close func() error
}

func (r *fileReader) Offset() int64 { return r.cr.n }

// InvalidUTF8 reports the invalid UTF-8 sequences the JSONL reader replaced.
func (r *fileReader) InvalidUTF8() int64 {
	if j, ok := r.docReader.(*JSONLReader); ok {
		return j.InvalidUTF8()
	}
	return 0
}
func (r *fileReader) Close() error { return r.close() }

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
