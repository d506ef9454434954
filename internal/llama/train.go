package llama

/*
#include <stdlib.h>
#include "binding.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"unsafe"
)

// Trainer trains a loaded model in place with llama.cpp's training API
// (llama_opt_init, llama_opt_epoch, AdamW), one window of NCtx tokens per
// optimizer step, on the CPU. train.c mends what the pinned llama.cpp gets
// wrong on that path (see its header); a graph of another shape is refused.
// A Trainer is not safe for concurrent use, and one process trains one
// model at a time.
type Trainer struct {
	model *Model
	ctx   *Context
	t     *C.struct_ck_trainer
	nCtx  int
	names map[string]*C.struct_ggml_tensor
}

// trainCtxMu serializes the trainers' context creation, which sets the
// flag that gives their scheduler its larger size (train.c); a context made
// elsewhere meanwhile would only get a larger scheduler, which is harmless.
var trainCtxMu sync.Mutex

// MaxTrainLayers is the deepest model a Trainer takes: a 6-layer model's
// training graph (forward, backward, optimizer: about 820 + 56 nodes) fits
// the 1024 nodes the pinned llama.cpp gives it, an 8-layer one's does not.
const MaxTrainLayers = 6

// TrainParams sizes a Trainer.
type TrainParams struct {
	// NCtx is the window: the tokens of one optimizer step. llama.cpp pads
	// a context to a multiple of 256, and the window must fill it.
	NCtx int
	// Threads is the number of CPU threads; 0 means DefaultThreads.
	Threads int
}

// AdamW is one step's optimizer setting.
type AdamW struct {
	LR, Beta1, Beta2, Eps, WeightDecay float32
}

// NewTrainer prepares m (loaded with NoMmap, so that its weights can
// change) for training. It checks the graph llama.cpp builds on one window
// of BOS tokens and refuses one that train.c does not know.
func NewTrainer(m *Model, p TrainParams) (*Trainer, error) {
	if m.m == nil {
		return nil, ErrClosed
	}
	if p.NCtx <= 0 || p.NCtx%256 != 0 {
		return nil, fmt.Errorf("train %s: the window must be a positive multiple of 256 tokens (llama.cpp pads its context to that), got %d", m.path, p.NCtx)
	}
	if arch, _ := m.Meta("general.architecture"); arch != "llama" {
		return nil, fmt.Errorf("train %s: architecture %q; calibkit trains llama-architecture models only (as calibkit model synth writes them)", m.path, arch)
	}
	if n, _ := m.Meta("llama.expert_count"); n != "" && n != "0" {
		return nil, fmt.Errorf("train %s: a mixture of experts (%s experts); calibkit trains dense llama models only", m.path, n)
	}
	if n := m.NLayer(); n > MaxTrainLayers {
		return nil, fmt.Errorf("train %s: %d layers; calibkit trains llama models of up to %d layers: the pinned llama.cpp gives a small model's graphs 1024 nodes, which the backward graph of a deeper one overflows (ggml would abort); use fewer --layers", m.path, n, MaxTrainLayers)
	}
	trainCtxMu.Lock()
	C.ck_set_trainer_context(1)
	ctx, err := NewContext(m, ContextParams{NCtx: p.NCtx, NBatch: p.NCtx, NUBatch: p.NCtx, NSeqMax: 1,
		Threads: p.Threads, FlashAttn: FlashAttnOff, KVF32: true})
	C.ck_set_trainer_context(0)
	trainCtxMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if ctx.NCtx() != p.NCtx {
		ctx.Close()
		return nil, fmt.Errorf("train %s: llama.cpp made a context of %d cells for a window of %d", m.path, ctx.NCtx(), p.NCtx)
	}
	// llama_opt_epoch does not set the CPU backend's thread count; a decode
	// does, and it stays.
	b := NewBatch(1)
	defer b.Close()
	if err := b.Add(m.BOS(), 0, 0, true); err != nil {
		ctx.Close()
		return nil, err
	}
	if err := ctx.Decode(context.Background(), b); err != nil {
		ctx.Close()
		return nil, fmt.Errorf("train %s: first decode: %w", m.path, err)
	}
	ctx.ClearMemory()
	tr := &Trainer{model: m, ctx: ctx, nCtx: p.NCtx, names: map[string]*C.struct_ggml_tensor{}}
	tr.t = C.ck_trainer_new(ctx.c, m.m, C.int32_t(p.NCtx))
	if tr.t == nil {
		ctx.Close()
		return nil, fmt.Errorf("train %s: %s", m.path, withLog("llama.cpp could not set up training"))
	}
	for i := range int(C.ck_trainer_n_params(tr.t)) {
		pt := C.ck_trainer_param(tr.t, C.int(i))
		tr.names[C.GoString(&pt.name[0])] = pt
	}
	probe := make([]int32, p.NCtx)
	for i := range probe {
		probe[i] = m.BOS()
	}
	if _, err := tr.Loss(probe, probe); err != nil {
		tr.Close()
		return nil, err
	}
	return tr, nil
}

// Close frees the trainer's context; the model stays loaded with the
// weights as trained. It is safe to call more than once.
func (t *Trainer) Close() {
	if t.t != nil {
		C.ck_trainer_free(t.t)
		t.t = nil
	}
	if t.ctx != nil {
		t.ctx.Close()
		t.ctx = nil
	}
}

// NCtx returns the window length.
func (t *Trainer) NCtx() int { return t.nCtx }

// Params returns the names of the tensors the optimizer updates, in
// llama.cpp's order. token_embd.weight is not among them: the pinned
// llama.cpp leaves it out of training.
func (t *Trainer) Params() []string {
	names := make([]string, 0, len(t.names))
	for i := range int(C.ck_trainer_n_params(t.t)) {
		pt := C.ck_trainer_param(t.t, C.int(i))
		names = append(names, C.GoString(&pt.name[0]))
	}
	return names
}

func (t *Trainer) run(tokens, labels []int32, train bool) (float64, error) {
	if t.t == nil {
		return 0, ErrClosed
	}
	if len(tokens) != t.nCtx || len(labels) != t.nCtx {
		return 0, fmt.Errorf("train: a window has %d tokens and %d labels, want %d each", len(tokens), len(labels), t.nCtx)
	}
	nv := int32(t.model.NVocab())
	for i := range tokens {
		if tokens[i] < 0 || tokens[i] >= nv || labels[i] < 0 || labels[i] >= nv {
			return 0, fmt.Errorf("train: token %d of the window (%d → %d) is outside the vocabulary of %d", i, tokens[i], labels[i], nv)
		}
	}
	var loss C.double
	tr := C.int(0)
	if train {
		tr = 1
	}
	rc := C.ck_trainer_run(t.t, (*C.int32_t)(unsafe.Pointer(&tokens[0])), (*C.int32_t)(unsafe.Pointer(&labels[0])), tr, &loss)
	if rc != 0 {
		buf := (*C.char)(C.malloc(1024))
		defer C.free(unsafe.Pointer(buf))
		n := C.ck_train_take_error(buf, 1024)
		return 0, fmt.Errorf("train %s: %s", t.model.path, C.GoStringN(buf, C.int(n)))
	}
	return float64(loss), nil
}

// Step runs one optimizer step on a window: tokens[i] is followed by
// labels[i]. It returns the window's mean cross-entropy before the update.
func (t *Trainer) Step(tokens, labels []int32, opt AdamW) (float64, error) {
	if !(opt.LR > 0) || opt.Beta1 < 0 || opt.Beta1 > 1 || opt.Beta2 < 0 || opt.Beta2 > 1 || opt.Eps < 0 || opt.WeightDecay < 0 || opt.WeightDecay > 1 {
		return 0, fmt.Errorf("train: invalid AdamW setting %+v (learning rate above 0, betas and weight decay in [0, 1])", opt)
	}
	C.ck_trainer_set_adamw(t.t, C.float(opt.LR), C.float(opt.Beta1), C.float(opt.Beta2), C.float(opt.Eps), C.float(opt.WeightDecay))
	return t.run(tokens, labels, true)
}

// Loss returns the window's mean cross-entropy without training.
func (t *Trainer) Loss(tokens, labels []int32) (float64, error) {
	return t.run(tokens, labels, false)
}

// Gradients returns the gradient of the window's mean cross-entropy with
// respect to each named weight, in the weight's own element order, and the
// loss. It runs a training step whose learning rate is too small to move
// any weight, so the model stays as it was (AdamW's moments do move).
func (t *Trainer) Gradients(tokens, labels []int32, names []string) (map[string][]float32, float64, error) {
	out := map[string][]float32{}
	var bufs []unsafe.Pointer
	defer func() {
		for _, b := range bufs {
			C.free(b)
		}
	}()
	for _, name := range names {
		pt := t.names[name]
		if pt == nil {
			return nil, 0, fmt.Errorf("train: %s is not a trained weight (trained: %s)", name, strings.Join(t.Params(), ", "))
		}
		n := int(C.ggml_nelements(pt))
		buf := C.malloc(C.size_t(n * 4))
		bufs = append(bufs, buf)
		C.ck_trainer_watch(t.t, pt, (*C.float)(buf))
		out[name] = unsafe.Slice((*float32)(buf), n)
	}
	loss, err := t.Step(tokens, labels, AdamW{LR: 1e-30, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8})
	if err != nil {
		return nil, 0, err
	}
	for k, v := range out {
		out[k] = append([]float32(nil), v...)
	}
	return out, loss, nil
}

// Weights returns a copy of the named weight's values (F32 weights only).
func (t *Trainer) Weights(name string) ([]float32, error) {
	v, err := t.weightSlice(name)
	if err != nil {
		return nil, err
	}
	return append([]float32(nil), v...), nil
}

// SetWeight sets element i of the named F32 weight, for finite-difference
// checks.
func (t *Trainer) SetWeight(name string, i int, v float32) error {
	w, err := t.weightSlice(name)
	if err != nil {
		return err
	}
	if i < 0 || i >= len(w) {
		return fmt.Errorf("train: element %d of %s, which has %d", i, name, len(w))
	}
	w[i] = v
	return nil
}

func (t *Trainer) weightSlice(name string) ([]float32, error) {
	pt := t.names[name]
	if pt == nil {
		return nil, fmt.Errorf("train: %s is not a trained weight", name)
	}
	if pt._type != C.GGML_TYPE_F32 || pt.data == nil || !bool(C.ggml_backend_buffer_is_host(pt.buffer)) {
		return nil, fmt.Errorf("train: %s is not an F32 weight in host memory", name)
	}
	return unsafe.Slice((*float32)(pt.data), int(C.ggml_nelements(pt))), nil
}

// SaveModel writes the model with its current weights to path as GGUF
// (llama_model_save_to_file). The file appears under path only once it is
// whole.
func (m *Model) SaveModel(path string) error {
	if m.m == nil {
		return ErrClosed
	}
	tmp := path + ".tmp-save"
	cpath := C.CString(tmp)
	defer C.free(unsafe.Pointer(cpath))
	takeErrors()
	C.llama_model_save_to_file(m.m, cpath)
	st, err := os.Stat(tmp)
	if err != nil {
		return fmt.Errorf("save model %s: %s", path, withLog("llama.cpp wrote no file"))
	}
	if st.Size() == 0 {
		os.Remove(tmp)
		return errors.New("save model " + path + ": llama.cpp wrote an empty file")
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("save model: %w", err)
	}
	return nil
}
