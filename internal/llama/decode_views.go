package llama

/*
#include "binding.h"
*/
import "C"

import (
	"context"
	"fmt"
	"unsafe"
)

// DecodeLogits decodes the batch in consecutive views of at most nBatch
// tokens, as llama-perplexity's decode_helper does for its task scores, and
// copies the logits of every output token, in batch order, into dst (which
// must hold Outputs()×NVocab values). It returns the number of output rows.
// The KV cache keeps every view, so later views attend to earlier ones.
func (c *Context) DecodeLogits(ctx context.Context, b *Batch, nBatch int, dst []float32) (int, error) {
	if c.c == nil || b.closed {
		return 0, ErrClosed
	}
	if nBatch < 1 {
		return 0, fmt.Errorf("decode: batch view size %d, want at least 1", nBatch)
	}
	if want := b.Outputs() * c.nVocab; len(dst) < want {
		return 0, fmt.Errorf("decode: logits buffer holds %d values, the batch's outputs need %d", len(dst), want)
	}
	rows := 0
	for i := 0; i < b.Len(); i += nBatch {
		n := min(nBatch, b.Len()-i)
		view := &Batch{
			b: C.struct_llama_batch{
				n_tokens: C.int32_t(n),
				token:    &b.tok[i],
				pos:      &b.pos[i],
				n_seq_id: &b.nseq[i],
				seq_id:   &b.seq[i],
				logits:   &b.logits[i],
			},
			cap:    n,
			nSeq:   b.nSeq,
			logits: b.logits[i : i+n],
		}
		if err := c.Decode(ctx, view); err != nil {
			return rows, fmt.Errorf("tokens %d..%d of %d: %w", i, i+n-1, b.Len(), err)
		}
		outs := view.Outputs()
		if outs == 0 {
			continue
		}
		p := C.llama_get_logits(c.c)
		if p == nil {
			return rows, fmt.Errorf("decode tokens %d..%d: %s", i, i+n-1, withLog("llama.cpp returned no logits"))
		}
		copy(dst[rows*c.nVocab:(rows+outs)*c.nVocab], unsafe.Slice((*float32)(unsafe.Pointer(p)), outs*c.nVocab))
		rows += outs
	}
	return rows, nil
}
