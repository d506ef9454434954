package llama

/*
#include <stdlib.h>
#include <string.h>
#include "quantize.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime/cgo"
	"strings"
	"unsafe"
)

// GGMLType is one of ggml's tensor element types (enum ggml_type).
type GGMLType int32

// TypeCount is GGML_TYPE_COUNT: one past the last type. As an override in
// QuantizeParams it means "no override".
const TypeCount GGMLType = C.GGML_TYPE_COUNT

// The ggml types calibkit names in code.
const (
	TypeF32  GGMLType = C.GGML_TYPE_F32
	TypeF16  GGMLType = C.GGML_TYPE_F16
	TypeQ4_0 GGMLType = C.GGML_TYPE_Q4_0
	TypeQ8_0 GGMLType = C.GGML_TYPE_Q8_0
	TypeQ4_K GGMLType = C.GGML_TYPE_Q4_K
	TypeQ6_K GGMLType = C.GGML_TYPE_Q6_K
	TypeBF16 GGMLType = C.GGML_TYPE_BF16
)

// String returns ggml's name of the type (ggml_type_name), e.g. "q4_K".
func (t GGMLType) String() string {
	if t < 0 || t >= TypeCount {
		return fmt.Sprintf("GGMLType(%d)", int32(t))
	}
	return C.GoString(C.ggml_type_name(C.enum_ggml_type(t)))
}

// Valid reports whether t is a type of the pinned ggml (not a number left
// over from a removed type).
func (t GGMLType) Valid() bool {
	return t >= 0 && t < TypeCount && C.ggml_blck_size(C.enum_ggml_type(t)) > 0 && t.String() != "DEPRECATED"
}

// BlockSize returns the number of elements per block of the type.
func (t GGMLType) BlockSize() int { return int(C.ggml_blck_size(C.enum_ggml_type(t))) }

// TypeSize returns the bytes per block of the type.
func (t GGMLType) TypeSize() int { return int(C.ggml_type_size(C.enum_ggml_type(t))) }

// GGMLTypes returns every valid type of the pinned ggml, in number order.
func GGMLTypes() []GGMLType {
	var ts []GGMLType
	for t := GGMLType(0); t < TypeCount; t++ {
		if t.Valid() {
			ts = append(ts, t)
		}
	}
	return ts
}

// FileType is a whole model's quantization (enum llama_ftype), the TYPE
// argument of llama-quantize.
type FileType int32

// The file types of the pinned llama.h.
const (
	FtypeAllF32    FileType = C.LLAMA_FTYPE_ALL_F32
	FtypeF16       FileType = C.LLAMA_FTYPE_MOSTLY_F16
	FtypeQ4_0      FileType = C.LLAMA_FTYPE_MOSTLY_Q4_0
	FtypeQ4_1      FileType = C.LLAMA_FTYPE_MOSTLY_Q4_1
	FtypeQ8_0      FileType = C.LLAMA_FTYPE_MOSTLY_Q8_0
	FtypeQ5_0      FileType = C.LLAMA_FTYPE_MOSTLY_Q5_0
	FtypeQ5_1      FileType = C.LLAMA_FTYPE_MOSTLY_Q5_1
	FtypeQ2_K      FileType = C.LLAMA_FTYPE_MOSTLY_Q2_K
	FtypeQ3_K_S    FileType = C.LLAMA_FTYPE_MOSTLY_Q3_K_S
	FtypeQ3_K_M    FileType = C.LLAMA_FTYPE_MOSTLY_Q3_K_M
	FtypeQ3_K_L    FileType = C.LLAMA_FTYPE_MOSTLY_Q3_K_L
	FtypeQ4_K_S    FileType = C.LLAMA_FTYPE_MOSTLY_Q4_K_S
	FtypeQ4_K_M    FileType = C.LLAMA_FTYPE_MOSTLY_Q4_K_M
	FtypeQ5_K_S    FileType = C.LLAMA_FTYPE_MOSTLY_Q5_K_S
	FtypeQ5_K_M    FileType = C.LLAMA_FTYPE_MOSTLY_Q5_K_M
	FtypeQ6_K      FileType = C.LLAMA_FTYPE_MOSTLY_Q6_K
	FtypeIQ2_XXS   FileType = C.LLAMA_FTYPE_MOSTLY_IQ2_XXS
	FtypeIQ2_XS    FileType = C.LLAMA_FTYPE_MOSTLY_IQ2_XS
	FtypeQ2_K_S    FileType = C.LLAMA_FTYPE_MOSTLY_Q2_K_S
	FtypeIQ3_XS    FileType = C.LLAMA_FTYPE_MOSTLY_IQ3_XS
	FtypeIQ3_XXS   FileType = C.LLAMA_FTYPE_MOSTLY_IQ3_XXS
	FtypeIQ1_S     FileType = C.LLAMA_FTYPE_MOSTLY_IQ1_S
	FtypeIQ4_NL    FileType = C.LLAMA_FTYPE_MOSTLY_IQ4_NL
	FtypeIQ3_S     FileType = C.LLAMA_FTYPE_MOSTLY_IQ3_S
	FtypeIQ3_M     FileType = C.LLAMA_FTYPE_MOSTLY_IQ3_M
	FtypeIQ2_S     FileType = C.LLAMA_FTYPE_MOSTLY_IQ2_S
	FtypeIQ2_M     FileType = C.LLAMA_FTYPE_MOSTLY_IQ2_M
	FtypeIQ4_XS    FileType = C.LLAMA_FTYPE_MOSTLY_IQ4_XS
	FtypeIQ1_M     FileType = C.LLAMA_FTYPE_MOSTLY_IQ1_M
	FtypeBF16      FileType = C.LLAMA_FTYPE_MOSTLY_BF16
	FtypeTQ1_0     FileType = C.LLAMA_FTYPE_MOSTLY_TQ1_0
	FtypeTQ2_0     FileType = C.LLAMA_FTYPE_MOSTLY_TQ2_0
	FtypeMXFP4_MOE FileType = C.LLAMA_FTYPE_MOSTLY_MXFP4_MOE
	FtypeGuessed   FileType = C.LLAMA_FTYPE_GUESSED
)

// KVOverride sets one metadata key of the output. Value is an int64,
// float64, bool or string (at most 127 bytes); llama.cpp writes an int64 as
// a uint32 of its absolute value and a float64 as a float32.
type KVOverride struct {
	Key   string
	Value any
}

// TensorType is one --tensor-type override: tensors whose name the regular
// expression Pattern (std::regex, ECMAScript) finds get Type; the last
// matching override wins.
type TensorType struct {
	Pattern string
	Type    GGMLType
}

// QuantizeParams mirrors llama_model_quantize_params in Go types.
type QuantizeParams struct {
	// FileType is the target quantization.
	FileType FileType
	// Threads is the number of threads; ≤ 0 means all hardware threads,
	// as llama.cpp decides.
	Threads int
	// OutputTensorType and TokenEmbeddingType, when not nil, override the
	// type of output.weight and token_embd.weight; nil leaves the choice
	// to llama.cpp.
	OutputTensorType   *GGMLType
	TokenEmbeddingType *GGMLType
	// AllowRequantize allows quantizing tensors that are already quantized.
	AllowRequantize bool
	// LeaveOutputTensor keeps output.weight as it is.
	LeaveOutputTensor bool
	// OnlyCopy copies the tensors unchanged (llama-quantize's COPY).
	OnlyCopy bool
	// Pure gives every quantized tensor the file type's default type.
	Pure bool
	// KeepSplit writes one output shard per input shard, named
	// out-0000i-of-0000n.gguf after the out prefix.
	KeepSplit bool
	// Imatrix maps weight names to their importance (already normalized,
	// as llama-quantize passes it); nil for none.
	Imatrix map[string][]float32
	// KVOverrides are metadata keys set in the output.
	KVOverrides []KVOverride
	// TensorTypes are the --tensor-type overrides, in order.
	TensorTypes []TensorType
	// PruneLayers lists blocks to leave out.
	PruneLayers []int
	// CopyTensors names tensors that llama.cpp writes unchanged, in their
	// input type, whatever type it would choose for them: the binding sets
	// only_copy for each of them just before llama.cpp decides its type.
	CopyTensors []string
	// Progress, if not nil, is called on the calling goroutine's thread
	// before each tensor with the number of tensors done and the total.
	Progress func(done, total int)
}

// ErrQuantizeCancelled is wrapped by Quantize's error when the context
// stopped the run.
var ErrQuantizeCancelled = errors.New("quantize cancelled")

// quantProgress is what the quantizing thread's log hook reports to: the
// caller's progress function, and the run's context and cancel flag, so that
// a cancellation seen here stops the run at the very next tensor instead of
// whenever context.AfterFunc's goroutine gets to set the flag.
type quantProgress struct {
	f      func(done, total int)
	ctx    context.Context
	cancel *C.int
}

//export ckGoQuantProgress
func ckGoQuantProgress(h C.uintptr_t, done, total C.int) {
	p := cgo.Handle(h).Value().(*quantProgress)
	defer func() {
		_ = recover() // a failing progress bar must not unwind through C++
		if p.ctx.Err() != nil {
			C.ck_flag_set(p.cancel, 1)
		}
	}()
	p.f(int(done), int(total))
}

// Quantize runs llama_model_quantize from in to out. Cancelling ctx stops
// the run before the next tensor (the tensor being quantized is finished
// first); out may then hold a partial file, which the caller removes. The
// error carries llama.cpp's own logged message.
func Quantize(ctx context.Context, in, out string, p QuantizeParams) error {
	initBackend()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("quantize %s: %w: %w", in, ErrQuantizeCancelled, err)
	}
	qp := C.llama_model_quantize_default_params()
	qp.nthread = C.int32_t(p.Threads)
	qp.ftype = C.enum_llama_ftype(p.FileType)
	for _, o := range []struct {
		t    *GGMLType
		dst  *C.enum_ggml_type
		what string
	}{{p.OutputTensorType, &qp.output_tensor_type, "output tensor"}, {p.TokenEmbeddingType, &qp.token_embedding_type, "token embedding"}} {
		if o.t != nil {
			if !o.t.Valid() {
				return fmt.Errorf("quantize %s: %s type: invalid ggml type %d", in, o.what, int32(*o.t))
			}
			*o.dst = C.enum_ggml_type(*o.t)
		}
	}
	qp.allow_requantize = C.bool(p.AllowRequantize)
	qp.quantize_output_tensor = C.bool(!p.LeaveOutputTensor)
	qp.only_copy = C.bool(p.OnlyCopy)
	qp.pure = C.bool(p.Pure)
	qp.keep_split = C.bool(p.KeepSplit)

	var a cAlloc
	defer a.free()
	var inputs C.struct_ck_quant_inputs
	if err := a.fill(&inputs, &p); err != nil {
		return fmt.Errorf("quantize %s: %w", in, err)
	}
	cin, cout := a.str(in), a.str(out)

	cancel := C.ck_flag_new()
	// The flag is freed only once the AfterFunc below can no longer write
	// to it: when stop reports that it had already started, wait for it.
	set := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		C.ck_flag_set(cancel, 1)
		close(set)
	})
	defer func() {
		if !stop() {
			<-set
		}
		C.ck_flag_free(cancel)
	}()
	var h cgo.Handle
	if p.Progress != nil {
		h = cgo.NewHandle(&quantProgress{f: p.Progress, ctx: ctx, cancel: cancel})
		defer h.Delete()
	}

	takeErrors()
	rc := C.ck_quantize(cin, cout, &qp, &inputs, C.uintptr_t(h), cancel)
	switch rc {
	case 0:
		return nil
	case 2:
		takeErrors()
		return fmt.Errorf("quantize %s: %w: %w", in, ErrQuantizeCancelled, context.Cause(ctx))
	}
	return fmt.Errorf("quantize %s: %s", in, withLog("llama_model_quantize failed"))
}

// cAlloc collects C allocations to free together.
type cAlloc struct{ ptrs []unsafe.Pointer }

func (a *cAlloc) alloc(n int) unsafe.Pointer {
	p := C.calloc(C.size_t(max(n, 1)), 1)
	a.ptrs = append(a.ptrs, p)
	return p
}

func (a *cAlloc) str(s string) *C.char {
	p := (*C.char)(a.alloc(len(s) + 1))
	copy(unsafe.Slice((*byte)(unsafe.Pointer(p)), len(s)), s)
	return p
}

func (a *cAlloc) free() {
	for _, p := range a.ptrs {
		C.free(p)
	}
	a.ptrs = nil
}

func cslice[T any](a *cAlloc, n int) []T {
	var z T
	p := a.alloc(n * int(unsafe.Sizeof(z)))
	return unsafe.Slice((*T)(p), max(n, 1))[:n]
}

// fill copies p's imatrix, overrides, tensor types, pruned layers and
// tensors to copy into C memory for ck_quantize.
func (a *cAlloc) fill(in *C.struct_ck_quant_inputs, p *QuantizeParams) error {
	if n := len(p.Imatrix); n > 0 {
		names := cslice[*C.char](a, n)
		vals := cslice[*C.float](a, n)
		sizes := cslice[C.int64_t](a, n)
		i := 0
		for name, v := range p.Imatrix {
			names[i] = a.str(name)
			cv := cslice[C.float](a, len(v))
			for j, x := range v {
				cv[j] = C.float(x)
			}
			if len(v) > 0 {
				vals[i] = &cv[0]
			}
			sizes[i] = C.int64_t(len(v))
			i++
		}
		in.n_imatrix = C.int64_t(n)
		in.imatrix_names = &names[0]
		in.imatrix_values = &vals[0]
		in.imatrix_sizes = &sizes[0]
	}
	if n := len(p.KVOverrides); n > 0 {
		kvs := cslice[C.struct_llama_model_kv_override](a, n)
		for i, o := range p.KVOverrides {
			if o.Key == "" || len(o.Key) > 127 {
				return fmt.Errorf("metadata override %q: the key must have 1 to 127 bytes", o.Key)
			}
			kv := &kvs[i]
			copyCString(kv.key[:], o.Key)
			val := unsafe.Pointer(&kv.anon0[0])
			switch v := o.Value.(type) {
			case int64:
				kv.tag = C.LLAMA_KV_OVERRIDE_TYPE_INT
				*(*C.int64_t)(val) = C.int64_t(v)
			case float64:
				kv.tag = C.LLAMA_KV_OVERRIDE_TYPE_FLOAT
				*(*C.double)(val) = C.double(v)
			case bool:
				kv.tag = C.LLAMA_KV_OVERRIDE_TYPE_BOOL
				*(*C.bool)(val) = C.bool(v)
			case string:
				if len(v) > 127 || strings.IndexByte(v, 0) >= 0 {
					return fmt.Errorf("metadata override %s: string values hold at most 127 bytes and no NUL", o.Key)
				}
				kv.tag = C.LLAMA_KV_OVERRIDE_TYPE_STR
				copyCString(unsafe.Slice((*C.char)(val), 128), v)
			default:
				return fmt.Errorf("metadata override %s: value of type %T (want int64, float64, bool or string)", o.Key, o.Value)
			}
		}
		in.n_kv = C.int64_t(n)
		in.kv = &kvs[0]
	}
	if n := len(p.TensorTypes); n > 0 {
		pats := cslice[*C.char](a, n)
		types := cslice[C.int32_t](a, n)
		for i, tt := range p.TensorTypes {
			if !tt.Type.Valid() {
				return fmt.Errorf("tensor type override %s: invalid ggml type %d", tt.Pattern, tt.Type)
			}
			pats[i] = a.str(tt.Pattern)
			types[i] = C.int32_t(tt.Type)
		}
		in.n_tensor_types = C.int64_t(n)
		in.tensor_type_patterns = &pats[0]
		in.tensor_type_types = &types[0]
	}
	if n := len(p.PruneLayers); n > 0 {
		pr := cslice[C.int32_t](a, n)
		for i, l := range p.PruneLayers {
			if l < 0 || l > math.MaxInt32 {
				return fmt.Errorf("prune layer %d out of range", l)
			}
			pr[i] = C.int32_t(l)
		}
		in.n_prune = C.int64_t(n)
		in.prune = &pr[0]
	}
	if n := len(p.CopyTensors); n > 0 {
		names := cslice[*C.char](a, n)
		for i, name := range p.CopyTensors {
			names[i] = a.str(name)
		}
		in.n_copy = C.int64_t(n)
		in.copy_names = &names[0]
	}
	return nil
}

func copyCString(dst []C.char, s string) {
	for i := 0; i < len(s) && i < len(dst)-1; i++ {
		dst[i] = C.char(s[i])
	}
}

// SplitPath returns llama.cpp's name of shard i (0-based) of n for a path
// prefix (llama_split_path): prefix-0000i-of-0000n.gguf.
func SplitPath(prefix string, i, n int) string {
	buf := (*C.char)(C.malloc(4096))
	defer C.free(unsafe.Pointer(buf))
	cp := C.CString(prefix)
	defer C.free(unsafe.Pointer(cp))
	C.llama_split_path(buf, 4096, cp, C.int(i), C.int(n))
	return C.GoString(buf)
}

// CheckRegex reports whether pattern compiles as the std::regex (ECMAScript
// grammar) that llama.cpp matches --tensor-type names with.
func CheckRegex(pattern string) error {
	cp := C.CString(pattern)
	defer C.free(unsafe.Pointer(cp))
	buf := (*C.char)(C.malloc(512))
	defer C.free(unsafe.Pointer(buf))
	if C.ck_regex_check(cp, buf, 512) != 0 {
		return fmt.Errorf("invalid regular expression %q: %s", pattern, C.GoString(buf))
	}
	return nil
}

// RegexSearch reports whether the std::regex pattern is found in s, as
// llama.cpp applies --tensor-type patterns to tensor names (false for a
// pattern that does not compile).
func RegexSearch(pattern, s string) bool {
	cp, cs := C.CString(pattern), C.CString(s)
	defer C.free(unsafe.Pointer(cp))
	defer C.free(unsafe.Pointer(cs))
	return C.ck_regex_search(cp, cs) == 1
}
