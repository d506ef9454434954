package llama

/*
#include "binding.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// Batch is a set of tokens to decode together, each with its position,
// sequence and whether its logits are wanted. Its arrays live in C memory
// allocated once; Close frees them.
type Batch struct {
	b      C.struct_llama_batch
	cap    int
	closed bool
	tok    []C.llama_token
	pos    []C.llama_pos
	nseq   []C.int32_t
	seq    []*C.llama_seq_id
	logits []C.int8_t
}

// NewBatch allocates a batch of up to capacity tokens.
func NewBatch(capacity int) *Batch {
	if capacity < 1 {
		capacity = 1
	}
	b := C.llama_batch_init(C.int32_t(capacity), 0, 1)
	return &Batch{
		b:      b,
		cap:    capacity,
		tok:    unsafe.Slice(b.token, capacity),
		pos:    unsafe.Slice(b.pos, capacity),
		nseq:   unsafe.Slice(b.n_seq_id, capacity),
		seq:    unsafe.Slice(b.seq_id, capacity),
		logits: unsafe.Slice(b.logits, capacity),
	}
}

// Add appends a token at position pos of sequence seq; output asks for its
// logits.
func (b *Batch) Add(token, pos, seq int32, output bool) error {
	if b.closed {
		return ErrClosed
	}
	n := int(b.b.n_tokens)
	if n >= b.cap {
		return fmt.Errorf("batch full: capacity %d tokens", b.cap)
	}
	b.tok[n] = C.llama_token(token)
	b.pos[n] = C.llama_pos(pos)
	b.nseq[n] = 1
	*b.seq[n] = C.llama_seq_id(seq)
	b.logits[n] = 0
	if output {
		b.logits[n] = 1
	}
	b.b.n_tokens++
	return nil
}

// Clear empties the batch.
func (b *Batch) Clear() { b.b.n_tokens = 0 }

// Len returns the number of tokens in the batch.
func (b *Batch) Len() int { return int(b.b.n_tokens) }

// Close frees the batch. It is safe to call more than once.
func (b *Batch) Close() {
	if !b.closed {
		b.closed = true
		C.llama_batch_free(b.b)
	}
}
