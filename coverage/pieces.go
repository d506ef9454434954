package coverage

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// DefaultPieceBytes is the default Options.PieceBytes: files up to 4 MiB
// (the usual calibration files) are tokenized whole, as llama-imatrix
// does, and larger ones in pieces, which keeps llama.cpp's tokenizer memory
// (about 30 bytes per byte of text in one call) near 250 MB and is faster
// than one call over a long text.
const DefaultPieceBytes = 4 << 20

// pieceReader cuts a text into pieces of about size bytes. A piece ends
// after a newline that has a character other than white space on both
// sides, so that the pre-tokenizers' white-space rules see the same runs at
// a cut as in the whole text; a text without such a newline in 4×size
// bytes is cut after its last newline, or at last at a character boundary.
type pieceReader struct {
	r      *bufio.Reader
	size   int
	buf    []byte // carried over from the last read
	offset int64  // offset of buf[0] in the text
	eof    bool
}

func newPieceReader(r io.Reader, size int) *pieceReader {
	return &pieceReader{r: bufio.NewReaderSize(r, 1<<20), size: size}
}

// next returns the next piece and its byte offset in the text, or io.EOF.
func (p *pieceReader) next() ([]byte, int64, error) {
	for !p.eof && len(p.buf) < p.size {
		if err := p.fill(p.size); err != nil {
			return nil, 0, err
		}
	}
	if len(p.buf) == 0 {
		return nil, 0, io.EOF
	}
	cut := -1
	if p.eof {
		cut = len(p.buf)
	}
	for cut < 0 {
		if c := goodCut(p.buf, p.size); c > 0 {
			cut = c
			break
		}
		if p.eof {
			cut = len(p.buf)
			break
		}
		if len(p.buf) >= 4*p.size {
			cut = fallbackCut(p.buf)
			break
		}
		if err := p.fill(len(p.buf) + p.size); err != nil {
			return nil, 0, err
		}
	}
	piece := p.buf[:cut:cut]
	off := p.offset
	rest := make([]byte, len(p.buf)-cut, max(len(p.buf)-cut, p.size)+p.size)
	copy(rest, p.buf[cut:])
	p.buf, p.offset = rest, p.offset+int64(cut)
	return piece, off, nil
}

// fill reads until buf holds want bytes or the text ends.
func (p *pieceReader) fill(want int) error {
	if cap(p.buf) < want {
		nb := make([]byte, len(p.buf), want)
		copy(nb, p.buf)
		p.buf = nb
	}
	for len(p.buf) < want && !p.eof {
		n, err := p.r.Read(p.buf[len(p.buf):want])
		p.buf = p.buf[:len(p.buf)+n]
		if errors.Is(err, io.EOF) {
			p.eof = true
		} else if err != nil {
			return fmt.Errorf("read at byte offset %d: %w", p.offset+int64(len(p.buf)), err)
		}
	}
	return nil
}

// goodCut returns the offset just after the last newline of b at or after
// from/2 whose neighbours are both not white space, or -1.
func goodCut(b []byte, from int) int {
	for i := len(b) - 2; i >= 1 && i >= from/2; i-- {
		if b[i] == '\n' && !isSpace(b[i-1]) && !isSpace(b[i+1]) {
			return i + 1
		}
	}
	return -1
}

// fallbackCut cuts after b's last newline, or at its last character start.
func fallbackCut(b []byte) int {
	if i := bytes.LastIndexByte(b, '\n'); i > 0 {
		return i + 1
	}
	i := len(b) - 1
	for i > 0 && !utf8.RuneStart(b[i]) {
		i--
	}
	if i == 0 {
		return len(b)
	}
	return i
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
