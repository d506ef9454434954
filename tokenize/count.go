package tokenize

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// CountChars returns the number of characters (Unicode code points) in s;
// each invalid UTF-8 byte counts as one character.
func CountChars(s string) int { return utf8.RuneCountInString(s) }

// CountLines returns the number of lines in s: the '\n' characters, plus
// one for a last line without a line end. Empty text has no lines.
func CountLines(s string) int {
	n := strings.Count(s, "\n")
	if len(s) > 0 && s[len(s)-1] != '\n' {
		n++
	}
	return n
}

// Counts are the units a manifest reports for a text.
type Counts struct {
	Bytes     int64 `json:"bytes"`
	Chars     int64 `json:"chars"`
	Lines     int64 `json:"lines"`
	Sentences int64 `json:"sentences"`
}

// Add adds d to c.
func (c *Counts) Add(d Counts) {
	c.Bytes += d.Bytes
	c.Chars += d.Chars
	c.Lines += d.Lines
	c.Sentences += d.Sentences
}

// Count returns the counts of text, sentences as Sentences would cut them.
func (s *Splitter) Count(text string) Counts {
	c := Counts{Bytes: int64(len(text)), Chars: int64(CountChars(text)), Lines: int64(CountLines(text))}
	var buf [32]span
	for off := 0; off < len(text); {
		line := text[off:]
		next := len(text)
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line, next = line[:i], off+i+1
		}
		c.Sentences += int64(len(s.appendLine(buf[:0], stringBytes(line), 0)))
		off = next
	}
	return c
}

// CountReader returns the counts of everything r yields, reading it line by
// line (a line must fit in memory).
func (s *Splitter) CountReader(ctx context.Context, r io.Reader) (Counts, error) {
	var c Counts
	br := bufio.NewReaderSize(r, 1<<16)
	var line []byte
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return c, err
			}
		}
		frag, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			line = append(line, frag...)
			continue
		}
		if len(line) > 0 {
			line = append(line, frag...)
			frag = line
		}
		if len(frag) > 0 {
			c.Add(s.Count(bytesString(frag)))
		}
		line = line[:0]
		if err == io.EOF {
			return c, nil
		}
		if err != nil {
			return c, fmt.Errorf("count: read: %w", err)
		}
	}
}
