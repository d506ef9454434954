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
	nSeq   int
	closed bool
	tok    []C.llama_token
	pos    []C.llama_pos
	nseq   []C.int32_t
	seq    []*C.llama_seq_id
	logits []C.int8_t
}

// NewBatch allocates a batch of up to capacity tokens, each in one sequence.
func NewBatch(capacity int) *Batch { return NewBatchSeqs(capacity, 1) }

// NewBatchSeqs allocates a batch of up to capacity tokens, each of which may
// belong to up to nSeq sequences at once (a prefix shared by several
// continuations is decoded once, as llama-perplexity's task scores do).
func NewBatchSeqs(capacity, nSeq int) *Batch {
	if capacity < 1 {
		capacity = 1
	}
	if nSeq < 1 {
		nSeq = 1
	}
	b := C.llama_batch_init(C.int32_t(capacity), 0, C.int32_t(nSeq))
	return &Batch{
		b:      b,
		cap:    capacity,
		nSeq:   nSeq,
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

// AddSeqs appends a token at position pos that belongs to every sequence in
// seqs; output asks for its logits.
func (b *Batch) AddSeqs(token, pos int32, seqs []int32, output bool) error {
	if b.closed {
		return ErrClosed
	}
	if len(seqs) < 1 || len(seqs) > b.nSeq {
		return fmt.Errorf("batch token in %d sequences: this batch takes 1 to %d per token", len(seqs), b.nSeq)
	}
	n := int(b.b.n_tokens)
	if n >= b.cap {
		return fmt.Errorf("batch full: capacity %d tokens", b.cap)
	}
	b.tok[n] = C.llama_token(token)
	b.pos[n] = C.llama_pos(pos)
	b.nseq[n] = C.int32_t(len(seqs))
	ids := unsafe.Slice(b.seq[n], b.nSeq)
	for k, s := range seqs {
		ids[k] = C.llama_seq_id(s)
	}
	b.logits[n] = 0
	if output {
		b.logits[n] = 1
	}
	b.b.n_tokens++
	return nil
}

// SetOutput sets whether the batch's i-th token gets logits.
func (b *Batch) SetOutput(i int, output bool) {
	if i >= 0 && i < b.Len() {
		b.logits[i] = 0
		if output {
			b.logits[i] = 1
		}
	}
}

// Outputs returns the number of tokens in the batch whose logits are wanted.
func (b *Batch) Outputs() int {
	n := 0
	for _, l := range b.logits[:b.Len()] {
		if l != 0 {
			n++
		}
	}
	return n
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
