package corpus

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"unicode/utf8"
)

// JSONLReader reads one JSON object per line, taking the text, id, title
// and url from the keys ReaderOptions name. Blank lines are skipped. A line
// that is not a JSON object, or lacks the text key, is an error naming the
// file and line.
type JSONLReader struct {
	br   *bufio.Reader
	name string
	opts ReaderOptions
	line int
	buf  []byte
	// invalid counts the invalid UTF-8 sequences replaced by U+FFFD.
	invalid int64
}

// InvalidUTF8 reports how many invalid UTF-8 sequences were replaced by
// U+FFFD so far (encoding/json would replace them silently).
func (r *JSONLReader) InvalidUTF8() int64 { return r.invalid }

// NewJSONLReader reads JSONL from r; name is used in errors and as the
// documents' Source.
func NewJSONLReader(r io.Reader, name string, opts ReaderOptions) *JSONLReader {
	if opts.TextColumn == "" {
		opts.TextColumn = "text"
	}
	return &JSONLReader{br: bufio.NewReaderSize(r, 1<<20), name: name, opts: opts}
}

// Next returns the next document, or io.EOF at the end of the input.
func (r *JSONLReader) Next() (Document, error) {
	for {
		line, err := r.readLine()
		if err != nil {
			return Document{}, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		return r.decode(line)
	}
}

func (r *JSONLReader) readLine() ([]byte, error) {
	r.buf = r.buf[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		r.buf = append(r.buf, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if len(r.buf) == 0 {
				return nil, io.EOF
			}
			r.line++
			return r.buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s line %d: %w", r.name, r.line+1, err)
		}
		r.line++
		return r.buf, nil
	}
}

func (r *JSONLReader) decode(line []byte) (Document, error) {
	if !utf8.Valid(line) {
		var n int64
		line, n = fixUTF8(line)
		r.invalid += n
	}
	if r.opts.wikipediaKeys() {
		// Fast path for the usual keys: decode into a struct (about twice
		// as fast as a map), falling back to the map when text is missing.
		// Like encoding/json, it also accepts "Text" or "TEXT" for "text".
		var rec struct {
			ID    json.RawMessage `json:"id"`
			Title *string         `json:"title"`
			URL   *string         `json:"url"`
			Text  *string         `json:"text"`
		}
		if err := json.Unmarshal(line, &rec); err == nil && rec.Text != nil {
			doc := Document{Source: r.name, Text: *rec.Text}
			if rec.Title != nil {
				doc.Title = *rec.Title
			}
			if rec.URL != nil {
				doc.URL = *rec.URL
			}
			if doc.ID, err = jsonString(rec.ID); err != nil {
				return Document{}, fmt.Errorf("%s line %d: key \"id\": %w", r.name, r.line, err)
			}
			if doc.ID == "" {
				doc.ID = strconv.Itoa(r.line)
			}
			return doc, nil
		}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return Document{}, fmt.Errorf("%s line %d: not a JSON object: %v at byte %d", r.name, r.line, se, se.Offset)
		}
		return Document{}, fmt.Errorf("%s line %d: not a JSON object: %w", r.name, r.line, err)
	}
	if obj == nil {
		return Document{}, fmt.Errorf("%s line %d: expected a JSON object, got null", r.name, r.line)
	}
	raw, ok := obj[r.opts.TextColumn]
	if !ok {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, strconv.Quote(k))
		}
		slices.Sort(keys)
		return Document{}, fmt.Errorf("%s line %d: no %q key (keys present: %v); choose the text key with --text-column",
			r.name, r.line, r.opts.TextColumn, keys)
	}
	doc := Document{Source: r.name}
	var err error
	if doc.Text, err = jsonString(raw); err != nil {
		return Document{}, fmt.Errorf("%s line %d: key %q: %w", r.name, r.line, r.opts.TextColumn, err)
	}
	for _, f := range []struct {
		key string
		dst *string
	}{{r.opts.IDColumn, &doc.ID}, {r.opts.TitleColumn, &doc.Title}, {r.opts.URLColumn, &doc.URL}} {
		if f.key == "" {
			continue
		}
		raw, ok := obj[f.key]
		if !ok {
			continue
		}
		if *f.dst, err = jsonString(raw); err != nil {
			return Document{}, fmt.Errorf("%s line %d: key %q: %w", r.name, r.line, f.key, err)
		}
	}
	if doc.ID == "" {
		doc.ID = strconv.Itoa(r.line)
	}
	return doc, nil
}

// jsonString reads a JSON string, or a number kept as written, or null as "".
func jsonString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return string(raw), nil
	}
	return "", fmt.Errorf("expected a string, got %.20s", raw)
}

// wikipediaKeys reports whether the options name the usual keys id, title,
// url and text.
func (o ReaderOptions) wikipediaKeys() bool {
	return o == DefaultReaderOptions()
}
