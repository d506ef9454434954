package corpus

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxTextDocument bounds a plain-text document: a longer run of non-blank
// lines is cut into several documents at line boundaries, so memory stays
// flat on a file without blank lines.
const maxTextDocument = 8 << 20

// TextReader reads plain text in which documents are separated by blank
// lines (lines holding only spaces or tabs). A document's ID is the number
// of its first line.
type TextReader struct {
	br   *bufio.Reader
	name string
	line int
	buf  []byte
	doc  strings.Builder
	eof  bool
}

// NewTextReader reads plain text from r; name is used in errors and as the
// documents' Source.
func NewTextReader(r io.Reader, name string) *TextReader {
	return &TextReader{br: bufio.NewReaderSize(r, 1<<20), name: name}
}

// Next returns the next document, or io.EOF at the end of the input.
func (r *TextReader) Next() (Document, error) {
	r.doc.Reset()
	start := 0
	for !r.eof {
		line, err := r.readLine()
		if err == io.EOF {
			r.eof = true
			break
		}
		if err != nil {
			return Document{}, err
		}
		if isBlank(line) {
			if r.doc.Len() > 0 {
				break
			}
			continue
		}
		if r.doc.Len() == 0 {
			start = r.line
		} else {
			r.doc.WriteByte('\n')
		}
		r.doc.Write(line)
		if r.doc.Len() >= maxTextDocument {
			break
		}
	}
	if r.doc.Len() == 0 {
		return Document{}, io.EOF
	}
	return Document{ID: strconv.Itoa(start), Text: r.doc.String(), Source: r.name}, nil
}

// readLine returns the next line without its line end.
func (r *TextReader) readLine() ([]byte, error) {
	r.buf = r.buf[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.buf = append(r.buf, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF && len(r.buf) == 0 {
			return nil, io.EOF
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("read %s line %d: %w", r.name, r.line+1, err)
		}
		r.line++
		b := r.buf
		if n := len(b); n > 0 && b[n-1] == '\n' {
			b = b[:n-1]
		}
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
		return b, nil
	}
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
