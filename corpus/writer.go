package corpus

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"
)

// docWriter de-duplicates cleaned documents in input order and writes them.
type docWriter struct {
	w       *bufio.Writer
	cw      *countingWriter
	format  OutputFormat
	segment Segment
	seen    *hashSet // nil without de-duplication
	st      *Stats
	kept    []unit
	buf     []byte
	sink    uint64 // keeps the compiler from dropping the loads of hashSet.peek
}

func newDocWriter(w io.Writer, format OutputFormat, opts *Options, st *Stats) *docWriter {
	cw := &countingWriter{w: w}
	dw := &docWriter{w: bufio.NewWriterSize(cw, 1<<20), cw: cw, format: format, segment: opts.Segment, st: st}
	if opts.Dedup {
		dw.seen = newHashSet()
	}
	return dw
}

// write de-duplicates and writes one document.
func (d *docWriter) write(doc *cleanDoc) error {
	d.kept = d.kept[:0]
	if d.seen != nil && len(doc.units) > 1 {
		// Load the slots of all the document's units first: the loads miss
		// the cache (the table is hundreds of MB) and, with nothing waiting
		// on them, run in parallel rather than one after another in add.
		var sink uint64
		for _, u := range doc.units {
			sink += d.seen.peek(u.hash)
		}
		d.sink += sink
	}
	for _, u := range doc.units {
		if d.seen != nil && !d.seen.add(u.hash) {
			d.st.Removed.Duplicates++
			d.st.Removed.DuplicateChars += int64(u.chars)
			continue
		}
		d.kept = append(d.kept, u)
	}
	if len(d.kept) == 0 {
		d.st.Removed.EmptyDocuments++
		return nil
	}
	paras := int64(1)
	for i, u := range d.kept {
		d.st.Characters += int64(u.chars)
		if i > 0 && u.para != d.kept[i-1].para {
			paras++
		}
	}
	d.st.Paragraphs += paras
	if d.segment == SegmentSentences {
		d.st.Sentences += int64(len(d.kept))
	}
	first := d.st.DocumentsWritten == 0
	d.st.DocumentsWritten++
	if d.format == OutputJSONL {
		return d.writeJSON(doc)
	}
	if !first {
		d.w.WriteByte('\n')
	}
	for _, u := range d.kept {
		d.w.WriteString(u.text)
		if err := d.w.WriteByte('\n'); err != nil {
			return err
		}
	}
	return nil
}

// writeJSON writes {"id","title","url","text"}: within text, units of one
// paragraph are joined by "\n" and paragraphs by "\n\n" (by "\n" with
// SegmentNone, which keeps the text's lines).
func (d *docWriter) writeJSON(doc *cleanDoc) error {
	b := d.buf[:0]
	b = append(b, `{"id":`...)
	b = appendJSONString(b, doc.id)
	b = append(b, `,"title":`...)
	b = appendJSONString(b, doc.title)
	b = append(b, `,"url":`...)
	b = appendJSONString(b, doc.url)
	b = append(b, `,"text":"`...)
	for i, u := range d.kept {
		if i > 0 {
			switch {
			case d.segment == SegmentNone:
				b = append(b, `\n`...)
			case d.segment == SegmentParagraphs || u.para != d.kept[i-1].para:
				b = append(b, `\n\n`...)
			default:
				b = append(b, `\n`...)
			}
		}
		b = appendJSONBody(b, u.text)
	}
	b = append(b, "\"}\n"...)
	d.buf = b
	_, err := d.w.Write(b)
	return err
}

// close frees the de-duplication table.
func (d *docWriter) close() {
	if d.seen != nil {
		d.seen.free()
		d.seen = nil
	}
}

func (d *docWriter) flush() error {
	err := d.w.Flush()
	d.st.Bytes = d.cw.n
	return err
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string (UTF-8 kept as is, no HTML
// escaping, U+2028 and U+2029 escaped as encoding/json does).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendJSONBody(b, s)
	return append(b, '"')
}

func appendJSONBody(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			if c == 0xE2 && (strings.HasPrefix(s[i:], "\u2028") || strings.HasPrefix(s[i:], "\u2029")) {
				b = append(b, s[last:i]...)
				b = append(b, `\u202`...)
				b = append(b, hexDigits[s[i+2]&0xF])
				i += 3
				last = i
				continue
			}
			i++
			continue
		}
		b = append(b, s[last:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		i++
		last = i
	}
	return append(b, s[last:]...)
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
