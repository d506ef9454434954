package chat

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Record is one conversation read from an input, or the reason the record
// at Line holds none (Skip, a *RecordError).
type Record struct {
	Conversation Conversation
	Line         int64
	Skip         *RecordError
}

// JSONLReader reads one conversation record per line. Blank lines are
// skipped; a line that is not a JSON object is an error naming the input
// and line.
type JSONLReader struct {
	br    *bufio.Reader
	name  string
	key   string
	idKey string
	line  int64
	buf   []byte
}

// NewJSONLReader reads records from r; name is used in errors and as each
// conversation's Source; key names the turns (DefaultKeys when empty) and
// idKey the record's id ("" for none).
func NewJSONLReader(r io.Reader, name, key, idKey string) *JSONLReader {
	return &JSONLReader{br: bufio.NewReaderSize(r, 1<<20), name: name, key: key, idKey: idKey}
}

// RawRecord is one line of JSONL not yet decoded, so that decoding can
// run on another goroutine (Decode).
type RawRecord struct {
	Line int64
	Data []byte
}

// Next returns the next record, or io.EOF at the end of the input.
func (r *JSONLReader) Next() (Record, error) {
	raw, err := r.NextRaw()
	if err != nil {
		return Record{}, err
	}
	return r.Decode(raw)
}

// NextRaw returns the next non-blank line (a copy), or io.EOF at the end
// of the input.
func (r *JSONLReader) NextRaw() (RawRecord, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return RawRecord{}, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		return RawRecord{Line: r.line, Data: bytes.Clone(line)}, nil
	}
}

// Decode parses a line NextRaw returned; it is safe to call from several
// goroutines. A line that is not a JSON object is an error naming the
// input and line.
func (r *JSONLReader) Decode(raw RawRecord) (Record, error) {
	conv, err := ParseRecord(raw.Data, r.key, r.idKey)
	var re *RecordError
	switch {
	case errors.As(err, &re):
		return Record{Line: raw.Line, Skip: re}, nil
	case err != nil:
		return Record{}, fmt.Errorf("read %s line %d: %w (each line must be a JSON object)", r.name, raw.Line, err)
	}
	conv.Source = r.name
	return Record{Conversation: conv, Line: raw.Line}, nil
}

func (r *JSONLReader) readLine() ([]byte, error) {
	r.buf = r.buf[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.buf = append(r.buf, chunk...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(r.buf) == 0 {
				return nil, io.EOF
			}
			r.line++
			return r.buf, nil
		case err != nil:
			return nil, fmt.Errorf("read %s line %d: %w", r.name, r.line+1, err)
		}
		r.line++
		return r.buf, nil
	}
}
