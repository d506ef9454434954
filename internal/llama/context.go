package llama

/*
#include "binding.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"runtime/cgo"
	"unsafe"
)

// ContextParams sizes an inference context. Zero values take llama.cpp's
// defaults where it has one.
type ContextParams struct {
	// NCtx is the number of token cells for all sequences together; 0
	// means the model's training context.
	NCtx int
	// NBatch is the most tokens one Decode call may take (default 2048).
	NBatch int
	// NUBatch is the physical batch computed at once (default 512).
	NUBatch int
	// NSeqMax is the number of sequences decoded side by side (default 1);
	// each gets NCtx/NSeqMax cells.
	NSeqMax int
	// KVUnified makes one KV buffer shared by all sequences (NCtx cells in
	// all, any sequence may use any of them), as llama-perplexity's task
	// modes get it; without it each sequence has NCtx/NSeqMax cells.
	KVUnified bool
	// Threads is the number of threads; 0 means DefaultThreads (the
	// physical cores, as llama.cpp's tools default to).
	Threads int
	// FlashAttn chooses the attention path (-fa); the zero value is
	// llama.cpp's auto.
	FlashAttn FlashAttn
	// EvalHook, if not nil, sees every matrix multiplication it asks for.
	EvalHook EvalHook
	// KVF32 stores the KV cache in F32 instead of llama.cpp's F16, as
	// training needs.
	KVF32 bool
}

// Context is an inference state (KV cache, buffers) for one model. It is not
// safe for concurrent use.
type Context struct {
	model  *Model
	c      *C.struct_llama_context
	pool   *C.struct_ggml_threadpool
	abort  *C.int
	handle cgo.Handle
	hook   *hookState
	nVocab int
	// outputs records which tokens of the last decoded batch have logits:
	// llama.cpp aborts the process on any other index.
	outputs []bool
}

// NewContext creates a context for m.
func NewContext(m *Model, p ContextParams) (*Context, error) {
	if m.m == nil {
		return nil, ErrClosed
	}
	if p.NCtx < 0 || p.NBatch < 0 || p.NUBatch < 0 || p.NSeqMax < 0 || p.Threads < 0 {
		return nil, fmt.Errorf("new context: negative size in %+v", p)
	}
	cp := C.llama_context_default_params()
	cp.n_ctx = C.uint32_t(p.NCtx)
	if p.NBatch > 0 {
		cp.n_batch = C.uint32_t(p.NBatch)
	}
	if p.NUBatch > 0 {
		cp.n_ubatch = C.uint32_t(p.NUBatch)
	}
	if p.NSeqMax > 0 {
		cp.n_seq_max = C.uint32_t(p.NSeqMax)
	}
	threads := p.Threads
	if threads == 0 {
		threads = DefaultThreads()
	}
	cp.n_threads = C.int32_t(threads)
	cp.n_threads_batch = C.int32_t(threads)
	cp.no_perf = true
	cp.flash_attn_type = p.FlashAttn.cType()
	cp.swa_full = false // as llama.cpp's tools set it (common_params)
	cp.kv_unified = C.bool(p.KVUnified)
	if p.KVF32 {
		cp.type_k = C.GGML_TYPE_F32
		cp.type_v = C.GGML_TYPE_F32
	}

	ctx := &Context{model: m, abort: C.ck_flag_new(), nVocab: m.NVocab()}
	var h C.uintptr_t
	if p.EvalHook != nil {
		ctx.hook = &hookState{hook: p.EvalHook, abort: ctx.abort}
		ctx.handle = cgo.NewHandle(ctx.hook)
		h = C.uintptr_t(ctx.handle)
	}
	C.ck_context_params_set_callbacks(&cp, h, ctx.abort)
	takeErrors()
	ctx.c = C.llama_init_from_model(m.m, cp)
	if ctx.c == nil {
		ctx.Close()
		return nil, fmt.Errorf("new context for %s (n_ctx %d, n_batch %d, n_seq %d): %s",
			m.path, p.NCtx, p.NBatch, p.NSeqMax, withLog("llama.cpp could not create it"))
	}
	// A thread pool that lives as long as the context: without one, ggml
	// starts and joins its threads for every graph computation, which the
	// evaluation hook splits into many.
	var tpp C.struct_ggml_threadpool_params
	C.ggml_threadpool_params_init(&tpp, C.int(threads))
	ctx.pool = C.ggml_threadpool_new(&tpp)
	if ctx.pool == nil {
		ctx.Close()
		return nil, fmt.Errorf("new context for %s: %s", m.path, withLog(fmt.Sprintf("ggml could not start %d threads", threads)))
	}
	C.llama_attach_threadpool(ctx.c, ctx.pool, ctx.pool)
	return ctx, nil
}

// Close frees the context. It is safe to call more than once.
func (c *Context) Close() {
	if c.c != nil {
		C.llama_detach_threadpool(c.c)
		C.llama_free(c.c)
		c.c = nil
	}
	if c.pool != nil {
		C.ggml_threadpool_free(c.pool)
		c.pool = nil
	}
	if c.handle != 0 {
		c.handle.Delete()
		c.handle = 0
	}
	if c.abort != nil {
		C.ck_flag_free(c.abort)
		c.abort = nil
	}
}

// NCtx returns the context's number of token cells.
func (c *Context) NCtx() int { return int(C.llama_n_ctx(c.c)) }

// NBatch returns the most tokens one Decode call may take.
func (c *Context) NBatch() int { return int(C.llama_n_batch(c.c)) }

// NUBatch returns the physical batch size.
func (c *Context) NUBatch() int { return int(C.llama_n_ubatch(c.c)) }

// NSeqMax returns the number of sequences the context holds.
func (c *Context) NSeqMax() int { return int(C.llama_n_seq_max(c.c)) }

// ClearMemory empties the KV cache of every sequence.
func (c *Context) ClearMemory() {
	if c.c != nil {
		C.llama_memory_clear(C.llama_get_memory(c.c), true)
	}
}

// Decode runs the model on the batch. Cancelling ctx aborts the computation
// between graph nodes and returns ctx's error; an error from the evaluation
// hook stops the computation and is returned as is.
func (c *Context) Decode(ctx context.Context, b *Batch) error {
	if c.c == nil || b.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if b.Len() == 0 {
		return errors.New("decode: empty batch")
	}
	C.ck_flag_set(c.abort, 0)
	// When stop reports that the AfterFunc had already started, wait for it:
	// a late write would abort the next Decode, or land in freed memory
	// after Close.
	set := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		C.ck_flag_set(c.abort, 1)
		close(set)
	})
	takeErrors()
	if c.hook != nil {
		c.hook.valid = false
	}
	c.outputs = c.outputs[:0]
	rc := C.llama_decode(c.c, b.b)
	if !stop() {
		<-set
	}
	if rc == 0 {
		for _, l := range b.logits[:b.Len()] {
			c.outputs = append(c.outputs, l != 0)
		}
	}
	if c.hook != nil && c.hook.err != nil {
		err := c.hook.err
		c.hook.err = nil
		return err
	}
	switch rc {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("decode %d tokens: no room in the KV cache (context %d cells)", b.Len(), c.NCtx())
	case 2:
		if err := ctx.Err(); err != nil {
			return err
		}
		return errors.New("decode: aborted")
	}
	return fmt.Errorf("decode %d tokens: %s", b.Len(), withLog(fmt.Sprintf("llama_decode returned %d", int(rc))))
}

// logitsPtr returns the logits row of the batch's i-th token.
func (c *Context) logitsPtr(i int) (*C.float, error) {
	if c.c == nil {
		return nil, ErrClosed
	}
	if i < 0 || i >= len(c.outputs) || !c.outputs[i] {
		return nil, fmt.Errorf("logits of batch token %d: the last decoded batch has %d tokens and that one is not an output", i, len(c.outputs))
	}
	takeErrors()
	p := C.llama_get_logits_ith(c.c, C.int32_t(i))
	if p == nil {
		return nil, fmt.Errorf("logits of batch token %d: %s", i, withLog("not available (was its output flag set?)"))
	}
	return p, nil
}

// Logits returns a copy of the logits the last Decode computed for the
// batch's i-th token (whose output flag must have been set).
func (c *Context) Logits(i int) ([]float32, error) {
	p, err := c.logitsPtr(i)
	if err != nil {
		return nil, err
	}
	out := make([]float32, c.nVocab)
	copy(out, unsafe.Slice((*float32)(unsafe.Pointer(p)), c.nVocab))
	return out, nil
}

// LogProbs returns, for each k, log p(tokens[k]) under the logits of batch
// token outputs[k], computed as llama-perplexity does (log-softmax with a
// float maximum and a double sum of expf), spread over all CPUs.
func (c *Context) LogProbs(outputs []int, tokens []int32) ([]float64, error) {
	ptrs, err := c.rowPtrs("log probs", outputs, tokens)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(outputs))
	parallel(len(ptrs), func(k int) {
		out[k] = float64(C.ck_log_softmax(ptrs[k], C.int32_t(c.nVocab), C.int32_t(tokens[k])))
	})
	return out, nil
}
