package llama

/*
#include "binding.h"
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"unsafe"
)

// LogProbF32 returns log p(tok) under one row of logits computed as
// llama-perplexity's task scores compute it for every token after the first
// of a continuation: the maximum, the sum of expf and its log all in single
// precision (its compute_logprobs).
func LogProbF32(row []float32, tok int32) float32 {
	if tok < 0 || int(tok) >= len(row) {
		return float32(math.NaN())
	}
	return float32(C.ck_log_softmax_f32((*C.float)(unsafe.Pointer(&row[0])), C.int32_t(len(row)), C.int32_t(tok)))
}

// LogProbSoftmax returns log p(tok) as llama-perplexity takes it for the
// first token of a continuation: a softmax with a double sum whose
// probability is rounded to float, then logf.
func LogProbSoftmax(row []float32, tok int32) float32 {
	if tok < 0 || int(tok) >= len(row) {
		return float32(math.NaN())
	}
	return float32(C.ck_log_softmax_prob((*C.float)(unsafe.Pointer(&row[0])), C.int32_t(len(row)), C.int32_t(tok)))
}

// LogProbsSoftmax returns LogProbSoftmax(row, tok) for each of toks,
// computing the softmax's maximum and sum once.
func LogProbsSoftmax(row []float32, toks []int32) []float32 {
	out := make([]float32, len(toks))
	for k, tok := range toks {
		if tok < 0 || int(tok) >= len(row) {
			out[k] = float32(math.NaN())
			return out
		}
	}
	if len(toks) > 0 {
		C.ck_log_softmax_probs((*C.float)(unsafe.Pointer(&row[0])), C.int32_t(len(row)),
			(*C.int32_t)(unsafe.Pointer(&toks[0])), C.int32_t(len(toks)), (*C.float)(unsafe.Pointer(&out[0])))
	}
	return out
}

// LogProbsF32 fills out[k] with LogProbF32 of logits row rows[k] (each
// nVocab values of logits) and tokens[k], spread over all CPUs.
func LogProbsF32(logits []float32, nVocab int, rows []int, tokens []int32, out []float32) error {
	if len(rows) != len(tokens) || len(out) < len(rows) {
		return fmt.Errorf("log probs: %d rows, %d tokens, room for %d results", len(rows), len(tokens), len(out))
	}
	for k, r := range rows {
		if r < 0 || (r+1)*nVocab > len(logits) {
			return fmt.Errorf("log probs: row %d outside the %d rows of logits", r, len(logits)/max(nVocab, 1))
		}
		if tokens[k] < 0 || int(tokens[k]) >= nVocab {
			return fmt.Errorf("log probs: token %d outside the vocabulary of %d", tokens[k], nVocab)
		}
	}
	workers := min(runtime.NumCPU(), (len(rows)+3)/4)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < len(rows); k += workers {
				r := logits[rows[k]*nVocab : (rows[k]+1)*nVocab]
				out[k] = float32(C.ck_log_softmax_f32((*C.float)(unsafe.Pointer(&r[0])), C.int32_t(nVocab), C.int32_t(tokens[k])))
			}
		}()
	}
	wg.Wait()
	return nil
}
