package tokenize

import (
	"bytes"
	"io"
)

// CountingWriter passes writes through to W and counts what went through:
// bytes, characters, lines (a last line without '\n' is not counted) and
// blank lines. Characters are counted by their leading bytes, so a
// character split across two writes counts once.
type CountingWriter struct {
	W                               io.Writer
	Bytes, Chars, Lines, BlankLines int64
	lastNewline                     bool
	started                         bool
}

// Write writes p to W and counts the bytes W accepted.
func (c *CountingWriter) Write(p []byte) (int, error) {
	n, err := c.W.Write(p)
	q := p[:n]
	c.Bytes += int64(n)
	for _, b := range q {
		if b&0xC0 != 0x80 {
			c.Chars++
		}
	}
	for len(q) > 0 {
		i := bytes.IndexByte(q, '\n')
		if i < 0 {
			c.started, c.lastNewline = true, false
			break
		}
		c.Lines++
		if i == 0 && (!c.started || c.lastNewline) {
			c.BlankLines++
		}
		c.started, c.lastNewline = true, true
		q = q[i+1:]
	}
	return n, err
}
