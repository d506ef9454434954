package llama

/*
#include "binding.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// TokenAttr is llama.cpp's attribute bit set of a vocabulary entry
// (enum llama_token_attr).
type TokenAttr uint32

// The attribute bits calibkit reads, as llama.h numbers them.
const (
	AttrUnknown     TokenAttr = C.LLAMA_TOKEN_ATTR_UNKNOWN
	AttrUnused      TokenAttr = C.LLAMA_TOKEN_ATTR_UNUSED
	AttrNormal      TokenAttr = C.LLAMA_TOKEN_ATTR_NORMAL
	AttrControl     TokenAttr = C.LLAMA_TOKEN_ATTR_CONTROL
	AttrUserDefined TokenAttr = C.LLAMA_TOKEN_ATTR_USER_DEFINED
	AttrByte        TokenAttr = C.LLAMA_TOKEN_ATTR_BYTE
)

// VocabEntry is one token of a model's vocabulary as llama.cpp holds it.
type VocabEntry struct {
	// Piece is the text the token stands for, as llama_token_to_piece
	// renders it with special tokens shown: byte-level BPE symbols mapped
	// back to their bytes, SPM's ▁ to a space, a <0xNN> byte token to its
	// one byte. It need not be valid UTF-8.
	Piece string
	// Attr is the token's attribute bits.
	Attr TokenAttr
	// Score is tokenizer.ggml.scores' value (0 when the file has none).
	Score float32
}

// TokenEntry returns the vocabulary entry of token id.
func (m *Model) TokenEntry(id int32) (VocabEntry, error) {
	if m.m == nil {
		return VocabEntry{}, ErrClosed
	}
	if id < 0 || int(id) >= m.NVocab() {
		return VocabEntry{}, fmt.Errorf("token %d outside the vocabulary of %d tokens", id, m.NVocab())
	}
	var small [64]byte
	buf := small[:]
	for range 2 {
		n := C.llama_token_to_piece(m.vocab, C.llama_token(id), (*C.char)(unsafe.Pointer(&buf[0])), C.int32_t(len(buf)), 0, C.bool(true))
		if n >= 0 {
			return VocabEntry{
				Piece: string(buf[:n]),
				Attr:  TokenAttr(C.llama_vocab_get_attr(m.vocab, C.llama_token(id))),
				Score: float32(C.llama_vocab_get_score(m.vocab, C.llama_token(id))),
			}, nil
		}
		buf = make([]byte, int(-n))
	}
	return VocabEntry{}, fmt.Errorf("token %d: llama.cpp failed twice to size its piece", id)
}

// Vocab returns every entry of the vocabulary, indexed by token id.
func (m *Model) Vocab() ([]VocabEntry, error) {
	if m.m == nil {
		return nil, ErrClosed
	}
	out := make([]VocabEntry, m.NVocab())
	for i := range out {
		e, err := m.TokenEntry(int32(i))
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}
