package llama

/*
#include "binding.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
	"unsafe"
)

// EvalHook sees matrix multiplications while a batch is computed. Want is
// asked for every MUL_MAT and MUL_MAT_ID node before it is computed; when it
// says yes, Observe is called with the node's inputs in memory: right after
// the node, or, when the node multiplies the same input as the node observed
// just before it (q, k, v), right away, since that input is already
// computed. An error from Observe stops the computation; Decode returns it.
// Both run on the goroutine that called Decode.
type EvalHook interface {
	Want(t *Tensor) bool
	Observe(t *Tensor) error
}

type hookState struct {
	hook  EvalHook
	err   error
	abort *C.int
	// last is the input of the last node observed in the graph being
	// computed; valid is false at the start of each decode.
	last  inputKey
	valid bool
	// early counts the nodes observed at the question (no graph split).
	early int
}

// inputKey identifies a node's activations tensor and its data.
type inputKey struct {
	t    *C.struct_ggml_tensor
	data unsafe.Pointer
	ne   [4]int64
}

func keyOf(t *C.struct_ggml_tensor) inputKey {
	return inputKey{t: t, data: t.data, ne: shape(t)}
}

//export ckGoEval
func ckGoEval(h C.uintptr_t, t *C.struct_ggml_tensor, ask C.bool) (ret C.bool) {
	st := cgo.Handle(h).Value().(*hookState)
	if st.err != nil {
		return false
	}
	defer func() {
		if r := recover(); r != nil {
			st.err = fmt.Errorf("evaluation hook panicked on %s: %v", C.GoString(&t.src[0].name[0]), r)
			C.ck_flag_set(st.abort, 1)
			ret = false
		}
	}()
	tv := &Tensor{t: t}
	if ask {
		if !st.hook.Want(tv) {
			return false
		}
		// Several weights often multiply the same input (q, k and v; gate
		// and up). That input was computed before the first of them ran
		// and stays in memory until the last one has: observe the others
		// now, without making the scheduler stop after each of them.
		if st.valid && keyOf(t.src[1]) == st.last {
			st.early++
			if err := st.hook.Observe(tv); err != nil {
				st.err = err
				C.ck_flag_set(st.abort, 1)
			}
			return false
		}
		return true
	}
	if err := st.hook.Observe(tv); err != nil {
		st.err = err
		C.ck_flag_set(st.abort, 1)
		return false
	}
	st.last, st.valid = keyOf(t.src[1]), true
	return true
}

// Tensor is a MUL_MAT or MUL_MAT_ID node during evaluation: src0 is the
// weight, src1 the activations, and for MUL_MAT_ID src[2] the expert ids.
// It is valid only during the EvalHook call that received it.
type Tensor struct {
	t *C.struct_ggml_tensor
}

// Indirect reports whether the node is a MUL_MAT_ID (mixture of experts).
func (t *Tensor) Indirect() bool { return t.t.op == C.GGML_OP_MUL_MAT_ID }

// Weight returns the weight tensor's name as the graph has it, e.g.
// "blk.0.attn_q.weight" (backends may decorate it as "CUDA0#name#0").
func (t *Tensor) Weight() string { return C.GoString(&t.t.src[0].name[0]) }

// WeightShape returns the weight's ne: columns, rows, matrices (experts), planes.
func (t *Tensor) WeightShape() [4]int64 { return shape(t.t.src[0]) }

// Shape returns the activations' (src1) ne.
func (t *Tensor) Shape() [4]int64 { return shape(t.t.src[1]) }

// Strides returns the activations' (src1) nb, in bytes.
func (t *Tensor) Strides() [4]uint64 {
	var nb [4]uint64
	for i := range nb {
		nb[i] = uint64(t.t.src[1].nb[i])
	}
	return nb
}

// F32 reports whether the activations are float32 in host memory, the only
// kind Row and Accumulate read.
func (t *Tensor) F32() bool {
	s := t.t.src[1]
	return s._type == C.GGML_TYPE_F32 && s.data != nil && s.buffer != nil &&
		bool(C.ggml_backend_buffer_is_host(s.buffer)) && uint64(s.nb[0]) == 4
}

// Row returns the activations of row i1 of plane (i2, i3) read in place: a
// view valid only during the hook call.
func (t *Tensor) Row(i1, i2, i3 int) []float32 {
	s := t.t.src[1]
	if !t.F32() || i1 < 0 || i2 < 0 || i3 < 0 || int64(i1) >= int64(s.ne[1]) || int64(i2) >= int64(s.ne[2]) || int64(i3) >= int64(s.ne[3]) {
		return nil
	}
	off := uintptr(i1)*uintptr(s.nb[1]) + uintptr(i2)*uintptr(s.nb[2]) + uintptr(i3)*uintptr(s.nb[3])
	return unsafe.Slice((*float32)(unsafe.Add(s.data, off)), int(s.ne[0]))
}

// ExpertIDs returns, for a MUL_MAT_ID, ids[token][slot]: the experts each
// token was routed to, copied. It returns nil for a MUL_MAT.
func (t *Tensor) ExpertIDs() [][]int32 {
	if !t.Indirect() {
		return nil
	}
	ids := t.t.src[2]
	out := make([][]int32, int(ids.ne[1]))
	for row := range out {
		out[row] = make([]int32, int(ids.ne[0]))
		for k := range out[row] {
			off := uintptr(row)*uintptr(ids.nb[1]) + uintptr(k)*uintptr(ids.nb[0])
			out[row][k] = *(*int32)(unsafe.Add(ids.data, off))
		}
	}
	return out
}

// Accumulate adds the activations into per-column sums, as llama-imatrix
// collects them. sq (and sum, unless nil) hold one row of Shape()[0] values
// per weight matrix (WeightShape()[2]*WeightShape()[3] for a MUL_MAT, the
// number of experts for a MUL_MAT_ID); sq gets Σx², sum Σx. For a MUL_MAT_ID
// counts (one per expert) grows by the rows routed to each expert; it is
// ignored for a MUL_MAT. The sums run in C, at native speed, in
// llama-imatrix's order of additions. An error names
// the matrix whose sums stopped being finite.
func (t *Tensor) Accumulate(sq, sum []float32, counts []int64) error {
	if !t.F32() {
		return fmt.Errorf("%s: activations are not float32 in host memory", t.Weight())
	}
	w, a := t.WeightShape(), t.Shape()
	nMat := w[2] * w[3]
	if t.Indirect() {
		nMat = w[2]
		ids := t.t.src[2]
		if ids._type != C.GGML_TYPE_I32 || int64(ids.ne[1]) != a[2] || a[3] != 1 {
			return fmt.Errorf("%s: unexpected MUL_MAT_ID layout (ids %v, activations %v)", t.Weight(), shape(ids), a)
		}
		if int64(len(counts)) != nMat {
			return fmt.Errorf("%s: %d counts for %d experts", t.Weight(), len(counts), nMat)
		}
	}
	if int64(len(sq)) != nMat*a[0] || (sum != nil && len(sum) != len(sq)) {
		return fmt.Errorf("%s: sums hold %d values, want %d matrices × %d columns", t.Weight(), len(sq), nMat, a[0])
	}
	var psum *C.float
	if sum != nil {
		psum = (*C.float)(unsafe.Pointer(&sum[0]))
	}
	psq := (*C.float)(unsafe.Pointer(&sq[0]))
	var rc C.int
	if t.Indirect() {
		rc = C.ck_accumulate_experts(t.t, psq, psum, (*C.int64_t)(unsafe.Pointer(&counts[0])), C.int64_t(len(counts)))
		if rc < 0 {
			return fmt.Errorf("%s: expert id out of range 0..%d", t.Weight(), nMat-1)
		}
	} else {
		rc = C.ck_accumulate_dense(t.t, psq, psum)
	}
	if rc > 0 {
		return &NonFiniteError{Weight: t.Weight(), Matrix: int(rc - 1)}
	}
	return nil
}

// NonFiniteError reports activations whose sums overflowed or became NaN.
type NonFiniteError struct {
	Weight string
	Matrix int
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("non-finite activation sums in %s (matrix %d)", e.Weight, e.Matrix)
}

func shape(t *C.struct_ggml_tensor) [4]int64 {
	return [4]int64{int64(t.ne[0]), int64(t.ne[1]), int64(t.ne[2]), int64(t.ne[3])}
}
