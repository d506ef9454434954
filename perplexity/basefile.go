package perplexity

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/calibkit/calibkit/internal/llama"
)

// BaseMagic starts a KL-divergence base file, as llama-perplexity writes it.
const BaseMagic = "_logits_"

// maxBaseCtx bounds a base file's n_ctx (llama.cpp contexts are far below).
const maxBaseCtx = 1 << 24

// ErrNotBase reports a file that is not a KL-divergence base file, or one
// that is truncated or inconsistent.
var ErrNotBase = errors.New("not a KL-divergence base file")

// BaseHeader is the start of a base file: the chunk size, the vocabulary
// size, the chunk count and the n_ctx × n_chunk tokens that were scored
// (the text's tokens, BOS first when the vocabulary adds it; not the BOS
// written over each chunk's first token).
//
// The layout (all little-endian, as llama-perplexity writes it on x86 and
// ARM): "_logits_", uint32 n_ctx, int32 n_vocab, int32 n_chunk, int32
// tokens[n_ctx*n_chunk]; then per chunk, per scored token (n_ctx - 1 -
// n_ctx/2 of them, positions n_ctx/2 .. n_ctx-2) one row of
// llama.BaseRowLen(n_vocab) uint16: float32 scale and float32 minimum
// log-probability in the first four, then per vocabulary token the code
// round((logit - min_logit)/scale), the logits clipped from below at
// max_logit - 16, so that log p ≈ scale*code + min.
type BaseHeader struct {
	NCtx, NVocab, NChunk int
	Tokens               []int32
}

// RowLen is the number of uint16 in one row.
func (h *BaseHeader) RowLen() int { return llama.BaseRowLen(h.NVocab) }

// Scored is the number of rows per chunk.
func (h *BaseHeader) Scored() int { return h.NCtx - 1 - h.NCtx/2 }

// ChunkLen is the number of uint16 per chunk.
func (h *BaseHeader) ChunkLen() int { return h.Scored() * h.RowLen() }

// Size is the length in bytes of a complete file with this header.
func (h *BaseHeader) Size() int64 {
	return int64(len(BaseMagic)) + 12 + 4*int64(h.NCtx)*int64(h.NChunk) + 2*int64(h.NChunk)*int64(h.ChunkLen())
}

// BaseReader streams a base file chunk by chunk.
type BaseReader struct {
	Header BaseHeader
	r      *bufio.Reader
	name   string
	chunk  int
	buf    []byte
}

// NewBaseReader reads the header of the base file name from r. size is the
// file's length when known (-1 otherwise): with it a truncated or
// overlong file is refused before any work, and nothing is allocated past
// what the file can hold.
func NewBaseReader(r io.Reader, name string, size int64) (*BaseReader, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%s: %w: %s", name, ErrNotBase, fmt.Sprintf(format, a...))
	}
	var fixed [len(BaseMagic) + 12]byte
	if n, err := io.ReadFull(br, fixed[:]); err != nil {
		if n < len(BaseMagic) || string(fixed[:len(BaseMagic)]) != BaseMagic {
			return nil, fail("it does not start with %q; make one with calibkit perplexity (or llama-perplexity) --kl-divergence-base %s on the base model", BaseMagic, name)
		}
		return nil, fail("its header ends after %d bytes", n)
	}
	if string(fixed[:len(BaseMagic)]) != BaseMagic {
		return nil, fail("it does not start with %q; make one with calibkit perplexity (or llama-perplexity) --kl-divergence-base %s on the base model", BaseMagic, name)
	}
	nCtx := binary.LittleEndian.Uint32(fixed[8:])
	nVocab := int32(binary.LittleEndian.Uint32(fixed[12:]))
	nChunk := int32(binary.LittleEndian.Uint32(fixed[16:]))
	switch {
	case nCtx < 3 || nCtx > maxBaseCtx:
		return nil, fail("n_ctx %d is out of range 3..%d", nCtx, maxBaseCtx)
	case nVocab < 1 || nVocab > math.MaxInt32/2:
		return nil, fail("n_vocab %d is out of range", nVocab)
	case nChunk < 1:
		return nil, fail("n_chunk %d: it holds no chunk", nChunk)
	}
	h := BaseHeader{NCtx: int(nCtx), NVocab: int(nVocab), NChunk: int(nChunk)}
	if size >= 0 && size != h.Size() {
		what := "truncated"
		if size > h.Size() {
			what = "longer than its header says"
		}
		return nil, fail("%s: %d bytes, but n_ctx %d, n_vocab %d and %d chunks make %d; write it again with --kl-divergence-base",
			what, size, h.NCtx, h.NVocab, h.NChunk, h.Size())
	}
	nTok := h.NCtx * h.NChunk
	if size < 0 && nTok > 1<<28 {
		return nil, fail("%d tokens is more than a base file holds", nTok)
	}
	raw := make([]byte, 4*nTok)
	if _, err := io.ReadFull(br, raw); err != nil {
		return nil, fail("truncated in its %d tokens", nTok)
	}
	h.Tokens = make([]int32, nTok)
	for i := range h.Tokens {
		t := int32(binary.LittleEndian.Uint32(raw[4*i:]))
		if t < 0 || t >= nVocab {
			return nil, fail("token %d (at %d) is outside its vocabulary of %d", t, i, nVocab)
		}
		h.Tokens[i] = t
	}
	return &BaseReader{Header: h, r: br, name: name}, nil
}

// Chunks returns the number of chunks read so far.
func (b *BaseReader) Chunks() int { return b.chunk }

// ReadChunk reads the next chunk's rows into dst (Header.ChunkLen values).
// It returns io.EOF after the last chunk.
func (b *BaseReader) ReadChunk(dst []uint16) error {
	if b.chunk >= b.Header.NChunk {
		return io.EOF
	}
	n := b.Header.ChunkLen()
	if len(dst) < n {
		return fmt.Errorf("%s: chunk buffer of %d values, want %d", b.name, len(dst), n)
	}
	if cap(b.buf) < 2*n {
		b.buf = make([]byte, 2*n)
	}
	buf := b.buf[:2*n]
	if _, err := io.ReadFull(b.r, buf); err != nil {
		return fmt.Errorf("%s: %w: truncated in chunk %d of %d", b.name, ErrNotBase, b.chunk+1, b.Header.NChunk)
	}
	for i := range n {
		dst[i] = binary.LittleEndian.Uint16(buf[2*i:])
	}
	b.chunk++
	return nil
}

// baseWriter writes a base file chunk by chunk.
type baseWriter struct {
	w   *bufio.Writer
	buf []byte
}

func newBaseWriter(w io.Writer, nCtx, nVocab, nChunk int, tokens []int32) (*baseWriter, error) {
	bw := &baseWriter{w: bufio.NewWriterSize(w, 1<<20)}
	hdr := make([]byte, 0, len(BaseMagic)+12+4*nCtx*nChunk)
	hdr = append(hdr, BaseMagic...)
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(nCtx))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(nVocab))
	hdr = binary.LittleEndian.AppendUint32(hdr, uint32(nChunk))
	for _, t := range tokens[:nCtx*nChunk] {
		hdr = binary.LittleEndian.AppendUint32(hdr, uint32(t))
	}
	_, err := bw.w.Write(hdr)
	return bw, err
}

func (b *baseWriter) writeRows(rows []uint16) error {
	if cap(b.buf) < 2*len(rows) {
		b.buf = make([]byte, 2*len(rows))
	}
	buf := b.buf[:2*len(rows)]
	for i, v := range rows {
		binary.LittleEndian.PutUint16(buf[2*i:], v)
	}
	_, err := b.w.Write(buf)
	return err
}

func (b *baseWriter) flush() error { return b.w.Flush() }
