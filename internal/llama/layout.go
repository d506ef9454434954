package llama

/*
#include <stddef.h>
#include "binding.h"

#define CK_F(T, F) { #T "." #F, (long long) offsetof(struct T, F) }
#define CK_S(T) { "sizeof " #T, (long long) sizeof(struct T) }
#define CK_E(V) { #V, (long long) V }

struct ck_layout_entry { const char * name; long long value; };

// The same list, in the same spelling, is printed from the real headers by
// layout_test.go; keep them in step.
static const struct ck_layout_entry ck_layout[] = {
	CK_S(llama_model_params),
	CK_F(llama_model_params, devices),
	CK_F(llama_model_params, tensor_buft_overrides),
	CK_F(llama_model_params, n_gpu_layers),
	CK_F(llama_model_params, split_mode),
	CK_F(llama_model_params, main_gpu),
	CK_F(llama_model_params, tensor_split),
	CK_F(llama_model_params, progress_callback),
	CK_F(llama_model_params, progress_callback_user_data),
	CK_F(llama_model_params, kv_overrides),
	CK_F(llama_model_params, vocab_only),
	CK_F(llama_model_params, use_mmap),
	CK_F(llama_model_params, use_mlock),
	CK_F(llama_model_params, check_tensors),
	CK_F(llama_model_params, use_extra_bufts),
	CK_F(llama_model_params, no_host),
	CK_F(llama_model_params, no_alloc),

	CK_S(llama_context_params),
	CK_F(llama_context_params, n_ctx),
	CK_F(llama_context_params, n_batch),
	CK_F(llama_context_params, n_ubatch),
	CK_F(llama_context_params, n_seq_max),
	CK_F(llama_context_params, n_threads),
	CK_F(llama_context_params, n_threads_batch),
	CK_F(llama_context_params, rope_scaling_type),
	CK_F(llama_context_params, pooling_type),
	CK_F(llama_context_params, attention_type),
	CK_F(llama_context_params, flash_attn_type),
	CK_F(llama_context_params, rope_freq_base),
	CK_F(llama_context_params, rope_freq_scale),
	CK_F(llama_context_params, yarn_ext_factor),
	CK_F(llama_context_params, yarn_attn_factor),
	CK_F(llama_context_params, yarn_beta_fast),
	CK_F(llama_context_params, yarn_beta_slow),
	CK_F(llama_context_params, yarn_orig_ctx),
	CK_F(llama_context_params, defrag_thold),
	CK_F(llama_context_params, cb_eval),
	CK_F(llama_context_params, cb_eval_user_data),
	CK_F(llama_context_params, type_k),
	CK_F(llama_context_params, type_v),
	CK_F(llama_context_params, abort_callback),
	CK_F(llama_context_params, abort_callback_data),
	CK_F(llama_context_params, embeddings),
	CK_F(llama_context_params, offload_kqv),
	CK_F(llama_context_params, no_perf),
	CK_F(llama_context_params, op_offload),
	CK_F(llama_context_params, swa_full),
	CK_F(llama_context_params, kv_unified),

	CK_S(llama_batch),
	CK_F(llama_batch, n_tokens),
	CK_F(llama_batch, token),
	CK_F(llama_batch, embd),
	CK_F(llama_batch, pos),
	CK_F(llama_batch, n_seq_id),
	CK_F(llama_batch, seq_id),
	CK_F(llama_batch, logits),

	CK_S(ggml_threadpool_params),
	CK_F(ggml_threadpool_params, cpumask),
	CK_F(ggml_threadpool_params, n_threads),
	CK_F(ggml_threadpool_params, prio),
	CK_F(ggml_threadpool_params, poll),
	CK_F(ggml_threadpool_params, strict_cpu),
	CK_F(ggml_threadpool_params, paused),

	CK_F(ggml_tensor, type),
	CK_F(ggml_tensor, buffer),
	CK_F(ggml_tensor, ne),
	CK_F(ggml_tensor, nb),
	CK_F(ggml_tensor, op),
	CK_F(ggml_tensor, op_params),
	CK_F(ggml_tensor, flags),
	CK_F(ggml_tensor, src),
	CK_F(ggml_tensor, view_src),
	CK_F(ggml_tensor, view_offs),
	CK_F(ggml_tensor, data),
	CK_F(ggml_tensor, name),

	{ "sizeof enum ggml_type", (long long) sizeof(enum ggml_type) },
	{ "sizeof enum ggml_op", (long long) sizeof(enum ggml_op) },
	{ "sizeof enum llama_split_mode", (long long) sizeof(enum llama_split_mode) },
	{ "sizeof enum llama_rope_scaling_type", (long long) sizeof(enum llama_rope_scaling_type) },
	{ "sizeof enum llama_flash_attn_type", (long long) sizeof(enum llama_flash_attn_type) },
	CK_E(GGML_MAX_DIMS),
	CK_E(GGML_MAX_SRC),
	CK_E(GGML_MAX_OP_PARAMS),
	CK_E(GGML_MAX_NAME),
	CK_E(GGML_MAX_N_THREADS),
	CK_E(GGML_SCHED_PRIO_LOW),
	CK_E(GGML_SCHED_PRIO_REALTIME),
	CK_E(GGML_TYPE_F32),
	CK_E(GGML_TYPE_F16),
	CK_E(GGML_TYPE_I32),
	CK_E(GGML_OP_MUL_MAT),
	CK_E(GGML_OP_MUL_MAT_ID),
	CK_E(GGML_LOG_LEVEL_NONE),
	CK_E(GGML_LOG_LEVEL_DEBUG),
	CK_E(GGML_LOG_LEVEL_INFO),
	CK_E(GGML_LOG_LEVEL_WARN),
	CK_E(GGML_LOG_LEVEL_ERROR),
	CK_E(GGML_LOG_LEVEL_CONT),
	CK_E(LLAMA_VOCAB_TYPE_NONE),
	CK_E(LLAMA_VOCAB_TYPE_SPM),
	CK_E(LLAMA_VOCAB_TYPE_BPE),
	CK_E(LLAMA_VOCAB_TYPE_WPM),
	CK_E(LLAMA_VOCAB_TYPE_UGM),
	CK_E(LLAMA_VOCAB_TYPE_RWKV),
	CK_E(LLAMA_VOCAB_TYPE_PLAMO2),
	CK_E(LLAMA_SPLIT_MODE_NONE),
	CK_E(LLAMA_SPLIT_MODE_LAYER),
	CK_E(LLAMA_SPLIT_MODE_ROW),
	CK_E(LLAMA_ROPE_SCALING_TYPE_UNSPECIFIED),
	CK_E(LLAMA_ROPE_SCALING_TYPE_NONE),
	CK_E(LLAMA_ROPE_SCALING_TYPE_LINEAR),
	CK_E(LLAMA_ROPE_SCALING_TYPE_YARN),
	CK_E(LLAMA_ROPE_SCALING_TYPE_LONGROPE),
	CK_E(LLAMA_POOLING_TYPE_UNSPECIFIED),
	CK_E(LLAMA_POOLING_TYPE_NONE),
	CK_E(LLAMA_POOLING_TYPE_MEAN),
	CK_E(LLAMA_POOLING_TYPE_CLS),
	CK_E(LLAMA_POOLING_TYPE_LAST),
	CK_E(LLAMA_POOLING_TYPE_RANK),
	CK_E(LLAMA_ATTENTION_TYPE_UNSPECIFIED),
	CK_E(LLAMA_ATTENTION_TYPE_CAUSAL),
	CK_E(LLAMA_ATTENTION_TYPE_NON_CAUSAL),
	CK_E(LLAMA_FLASH_ATTN_TYPE_AUTO),
	CK_E(LLAMA_FLASH_ATTN_TYPE_DISABLED),
	CK_E(LLAMA_FLASH_ATTN_TYPE_ENABLED),
};

static int ck_layout_len(void) { return sizeof(ck_layout) / sizeof(ck_layout[0]); }
static const char * ck_layout_name(int i) { return ck_layout[i].name; }
static long long ck_layout_value(int i) { return ck_layout[i].value; }
*/
import "C"

// layout returns the binding's own view of the mirrored declarations:
// struct sizes, field offsets and enum values, keyed by name.
func layout() map[string]int64 {
	m := make(map[string]int64)
	for i := range int(C.ck_layout_len()) {
		m[C.GoString(C.ck_layout_name(C.int(i)))] = int64(C.ck_layout_value(C.int(i)))
	}
	return m
}

// layoutNames lists the keys of layout in order, for the conformance test.
func layoutNames() []string {
	n := int(C.ck_layout_len())
	names := make([]string, n)
	for i := range names {
		names[i] = C.GoString(C.ck_layout_name(C.int(i)))
	}
	return names
}
