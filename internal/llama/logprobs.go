package llama

/*
#include "binding.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// BaseRowLen returns the number of uint16 that one token's row takes in
// llama-perplexity's KL-divergence base file for a vocabulary of nVocab:
// two float32 (scale, minimum log-probability), then one code per token,
// padded to an even count.
func BaseRowLen(nVocab int) int { return 2*((nVocab+1)/2) + 4 }

// KLDRow is one scored token compared with the base model, as
// llama-perplexity --kl-divergence computes it (float where upstream uses
// float).
type KLDRow struct {
	NLL, NLLBase float32 // -log p(token) under the model and under the base
	PDiff        float32 // p(token) - p_base(token)
	KLD          float64 // KL(base || model) over the vocabulary
	SameTop      bool    // both put their highest probability on the same token
}

// rowPtrs checks outputs/tokens and returns the logits row of each output.
func (c *Context) rowPtrs(what string, outputs []int, tokens []int32) ([]*C.float, error) {
	if len(outputs) != len(tokens) {
		return nil, fmt.Errorf("%s: %d outputs but %d tokens", what, len(outputs), len(tokens))
	}
	ptrs := make([]*C.float, len(outputs))
	for k, i := range outputs {
		if tokens[k] < 0 || int(tokens[k]) >= c.nVocab {
			return nil, fmt.Errorf("%s: token %d outside the vocabulary of %d", what, tokens[k], c.nVocab)
		}
		p, err := c.logitsPtr(i)
		if err != nil {
			return nil, err
		}
		ptrs[k] = p
	}
	return ptrs, nil
}

// parallel runs f(k) for k in [0, n) on all CPUs, as llama-perplexity
// spreads its rows over hardware_concurrency threads.
func parallel(n int, f func(k int)) {
	workers := min(runtime.NumCPU(), n)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < n; k += workers {
				f(k)
			}
		}()
	}
	wg.Wait()
}

// BaseLogProbs writes, for each k, the base-file row of batch token
// outputs[k]'s logits into dst[k*BaseRowLen:] (dst must hold
// len(outputs) rows) and returns -log p(tokens[k]), computed as
// llama-perplexity does when it saves a base file (in float).
func (c *Context) BaseLogProbs(outputs []int, tokens []int32, dst []uint16) ([]float64, error) {
	ptrs, err := c.rowPtrs("base log probs", outputs, tokens)
	if err != nil {
		return nil, err
	}
	nv := BaseRowLen(c.nVocab)
	if len(dst) < len(outputs)*nv {
		return nil, fmt.Errorf("base log probs: %d values for %d rows of %d", len(dst), len(outputs), nv)
	}
	out := make([]float64, len(outputs))
	parallel(len(ptrs), func(k int) {
		row := (*C.uint16_t)(unsafe.Pointer(&dst[k*nv]))
		out[k] = float64(C.ck_log_probs_u16(ptrs[k], C.int32_t(c.nVocab), C.int32_t(tokens[k]), row))
	})
	return out, nil
}

// KLD compares, for each k, batch token outputs[k]'s logits with the base
// row base[k*BaseRowLen:] for the next token tokens[k], as
// llama-perplexity --kl-divergence does.
func (c *Context) KLD(outputs []int, tokens []int32, base []uint16) ([]KLDRow, error) {
	ptrs, err := c.rowPtrs("kl divergence", outputs, tokens)
	if err != nil {
		return nil, err
	}
	nv := BaseRowLen(c.nVocab)
	if len(base) < len(outputs)*nv {
		return nil, fmt.Errorf("kl divergence: %d base values for %d rows of %d", len(base), len(outputs), nv)
	}
	out := make([]KLDRow, len(outputs))
	parallel(len(ptrs), func(k int) {
		var res [3]C.float
		var same C.int
		row := (*C.uint16_t)(unsafe.Pointer(&base[k*nv]))
		kld := C.ck_kld_row(ptrs[k], C.int32_t(c.nVocab), row, C.int32_t(tokens[k]), &res[0], &same)
		out[k] = KLDRow{NLL: float32(res[0]), NLLBase: float32(res[1]), PDiff: float32(res[2]), KLD: float64(kld), SameTop: same != 0}
	})
	return out, nil
}
