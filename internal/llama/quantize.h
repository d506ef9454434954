// quantize.h declares calibkit's own C side of llama_model_quantize
// (quantize.cpp): the plain C arrays it turns into the C++ objects that
// llama_model_quantize_params points to.
#ifndef CALIBKIT_LLAMA_QUANTIZE_H
#define CALIBKIT_LLAMA_QUANTIZE_H

#include "binding.h"

struct ck_quant_inputs {
    // importance matrix: n_imatrix entries of imatrix_sizes[i] floats
    int64_t n_imatrix;
    const char * const * imatrix_names;
    const float * const * imatrix_values;
    const int64_t * imatrix_sizes;
    // metadata overrides written into the output
    int64_t n_kv;
    const struct llama_model_kv_override * kv;
    // --tensor-type: regular expressions and their types, in order
    int64_t n_tensor_types;
    const char * const * tensor_type_patterns;
    const int32_t * tensor_type_types;
    // layers to prune
    int64_t n_prune;
    const int32_t * prune;
    // tensors llama.cpp must write unchanged: before each of them is
    // decided, the log hook sets only_copy (and clears it for the others)
    int64_t n_copy;
    const char * const * copy_names;
};

// ck_quantize runs llama_model_quantize with the C++ objects built from in.
// progress (a cgo handle, 0 for none) hears of every tensor started; a
// non-zero *cancel stops the run at the next tensor. It returns
// llama_model_quantize's status, 2 when cancelled, 3 on a C++ failure
// before the run.
uint32_t ck_quantize(const char * inp, const char * out, struct llama_model_quantize_params * p,
                     const struct ck_quant_inputs * in, uintptr_t progress, int * cancel);

// ck_quantize_rows converts nrows rows of n_per_row values from src (of
// type src_type: f32, f16, bf16 or a quantized type) to float and quantizes
// them into dst as dst_type with ggml_quantize_chunk, weighted by imatrix
// (n_per_row floats, or NULL), then checks the result with
// ggml_validate_row_data. scratch holds nrows × n_per_row floats (unused
// for an f32 source). It returns the bytes written, or 0 when src_type
// cannot be converted or the result is invalid.
size_t ck_quantize_rows(int32_t dst_type, int32_t src_type, const void * src, void * dst, int64_t nrows,
                        int64_t n_per_row, const float * imatrix, float * scratch);

// ck_regex_check compiles pattern as std::regex (what llama-quant.cpp does
// with a --tensor-type name): 0 when it compiles, else 1 and the reason in err.
int ck_regex_check(const char * pattern, char * err, size_t n);

// ck_regex_search: 1 when std::regex pattern is found in s, 0 when not,
// -1 when the pattern does not compile.
int ck_regex_search(const char * pattern, const char * s);

#endif
