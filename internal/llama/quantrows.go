package llama

/*
#include "quantize.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// RowSize returns the bytes of a row of n values of type t
// (ggml_row_size); n must be a multiple of the block size.
func (t GGMLType) RowSize(n int64) int64 {
	return int64(C.ggml_row_size(C.enum_ggml_type(t), C.int64_t(n)))
}

// TensorQuant is one tensor to quantize with QuantizeTensor.
type TensorQuant struct {
	// Name is used in errors.
	Name string
	// From and To are the tensor's type and the type to quantize it to.
	From, To GGMLType
	// Shape is ne0 (values per row), ne1 (rows) and ne2 (experts; 1 for
	// a matrix).
	Shape [3]int64
	// Data holds the tensor in type From.
	Data []byte
	// Imatrix is the importance of each column, ne0 × ne2 values (one
	// row per expert), or nil for none.
	Imatrix []float32
}

// chunkValues is how many values one worker quantizes at a time: at least
// a row, else llama.cpp's own chunk of 32 × 512 values in whole rows.
const chunkValues = 32 * 512

// QuantizeTensor quantizes one tensor as llama_model_quantize quantizes
// it: converted to float as llama.cpp converts its input (f32 as it is,
// f16 and bf16 by ggml's row conversions, quantized types by their
// dequantization), then each expert's rows quantized by
// ggml_quantize_chunk with that expert's part of the importance matrix,
// and each chunk checked by ggml_validate_row_data. Rows are quantized
// independently, so the result is the same for any number of threads
// (≤ 0: every CPU). Cancelling ctx stops it between chunks.
func QuantizeTensor(ctx context.Context, q TensorQuant, threads int) ([]byte, error) {
	ne0, ne1, ne2 := q.Shape[0], q.Shape[1], q.Shape[2]
	switch {
	case !q.From.Valid() || !q.To.Valid():
		return nil, fmt.Errorf("quantize tensor %s: invalid type %d or %d", q.Name, q.From, q.To)
	case ne0 <= 0 || ne1 <= 0 || ne2 <= 0:
		return nil, fmt.Errorf("quantize tensor %s: bad shape %v", q.Name, q.Shape)
	case ne0%int64(q.From.BlockSize()) != 0 || ne0%int64(q.To.BlockSize()) != 0:
		return nil, fmt.Errorf("quantize tensor %s: rows of %d values do not fit %v (blocks of %d) or %v (blocks of %d)",
			q.Name, ne0, q.From, q.From.BlockSize(), q.To, q.To.BlockSize())
	case int64(len(q.Data)) != q.From.RowSize(ne0)*ne1*ne2:
		return nil, fmt.Errorf("quantize tensor %s: %d bytes of data, want %d for %v %v", q.Name, len(q.Data), q.From.RowSize(ne0)*ne1*ne2, q.From, q.Shape)
	case q.Imatrix != nil && int64(len(q.Imatrix)) != ne0*ne2:
		return nil, fmt.Errorf("quantize tensor %s: importance matrix of %d values, want %d", q.Name, len(q.Imatrix), ne0*ne2)
	}
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	inRow, outRow := q.From.RowSize(ne0), q.To.RowSize(ne0)
	out := make([]byte, outRow*ne1*ne2)
	rowsPerChunk := max(1, (chunkValues+ne0-1)/ne0)
	type job struct{ expert, first, n int64 }
	jobs := make(chan job)
	var (
		mu      sync.Mutex
		firstEr error
		wg      sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if firstEr == nil {
			firstEr = err
		}
		mu.Unlock()
	}
	for range min(int64(threads), ne2*((ne1+rowsPerChunk-1)/rowsPerChunk)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var scratch []float32
			if q.From != TypeF32 {
				scratch = make([]float32, rowsPerChunk*ne0)
			}
			for j := range jobs {
				row := j.expert*ne1 + j.first
				src := unsafe.Pointer(&q.Data[row*inRow])
				dst := unsafe.Pointer(&out[row*outRow])
				var im, sc *C.float
				if q.Imatrix != nil {
					im = (*C.float)(unsafe.Pointer(&q.Imatrix[j.expert*ne0]))
				}
				if scratch != nil {
					sc = (*C.float)(unsafe.Pointer(&scratch[0]))
				}
				n := C.ck_quantize_rows(C.int32_t(q.To), C.int32_t(q.From), src, dst, C.int64_t(j.n), C.int64_t(ne0), im, sc)
				if int64(n) != j.n*outRow {
					fail(fmt.Errorf("quantize tensor %s to %v: rows %d to %d of expert %d gave invalid data (or %v cannot be converted)",
						q.Name, q.To, j.first, j.first+j.n, j.expert, q.From))
				}
			}
		}()
	}
	func() {
		defer close(jobs)
		for e := range ne2 {
			for first := int64(0); first < ne1; first += rowsPerChunk {
				if err := ctx.Err(); err != nil {
					fail(fmt.Errorf("quantize tensor %s: %w", q.Name, err))
					return
				}
				mu.Lock()
				stop := firstEr != nil
				mu.Unlock()
				if stop {
					return
				}
				jobs <- job{e, first, min(rowsPerChunk, ne1-first)}
			}
		}
	}()
	wg.Wait()
	if firstEr != nil {
		return nil, firstEr
	}
	return out, nil
}
