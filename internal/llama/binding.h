// binding.h declares the part of llama.h and ggml.h (llama.cpp ec98e2002, as
// vendored by github.com/ollama/ollama v0.17.4) that calibkit uses. The
// vendored packages export no headers, so this file mirrors the pinned
// declarations: prototypes, the structs passed by value or read, and the
// enum values used. layout_test.go compiles a program against the real
// headers and checks every size, offset and value here against them; rerun
// it whenever the pinned version changes.
#ifndef CALIBKIT_LLAMA_BINDING_H
#define CALIBKIT_LLAMA_BINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

// ---- ggml.h / ggml-backend.h ------------------------------------------------

#define GGML_MAX_DIMS      4
#define GGML_MAX_SRC       10
#define GGML_MAX_OP_PARAMS 64
#define GGML_MAX_NAME      64

enum ggml_type {
    GGML_TYPE_F32     = 0,
    GGML_TYPE_F16     = 1,
    GGML_TYPE_Q4_0    = 2,
    GGML_TYPE_Q4_1    = 3,
    GGML_TYPE_Q5_0    = 6,
    GGML_TYPE_Q5_1    = 7,
    GGML_TYPE_Q8_0    = 8,
    GGML_TYPE_Q8_1    = 9,
    GGML_TYPE_Q2_K    = 10,
    GGML_TYPE_Q3_K    = 11,
    GGML_TYPE_Q4_K    = 12,
    GGML_TYPE_Q5_K    = 13,
    GGML_TYPE_Q6_K    = 14,
    GGML_TYPE_Q8_K    = 15,
    GGML_TYPE_IQ2_XXS = 16,
    GGML_TYPE_IQ2_XS  = 17,
    GGML_TYPE_IQ3_XXS = 18,
    GGML_TYPE_IQ1_S   = 19,
    GGML_TYPE_IQ4_NL  = 20,
    GGML_TYPE_IQ3_S   = 21,
    GGML_TYPE_IQ2_S   = 22,
    GGML_TYPE_IQ4_XS  = 23,
    GGML_TYPE_I8      = 24,
    GGML_TYPE_I16     = 25,
    GGML_TYPE_I32     = 26,
    GGML_TYPE_I64     = 27,
    GGML_TYPE_F64     = 28,
    GGML_TYPE_IQ1_M   = 29,
    GGML_TYPE_BF16    = 30,
    GGML_TYPE_TQ1_0   = 34,
    GGML_TYPE_TQ2_0   = 35,
    GGML_TYPE_MXFP4   = 39,
    GGML_TYPE_COUNT   = 40,
};

enum ggml_op {
    GGML_OP_NONE          = 0,
    GGML_OP_RMS_NORM_BACK = 26,
    GGML_OP_MUL_MAT       = 29,
    GGML_OP_MUL_MAT_ID    = 30,
    GGML_OP_CPY           = 34,
    GGML_OP_CONT          = 35,
    GGML_OP_RESHAPE       = 36,
    GGML_OP_VIEW          = 37,
    GGML_OP_PERMUTE       = 38,
    GGML_OP_TRANSPOSE     = 39,
    GGML_OP_SET_ROWS      = 42,
    GGML_OP_SOFT_MAX_BACK = 47,
    GGML_OP_FLASH_ATTN_EXT = 73,
};

enum ggml_tensor_flag {
    GGML_TENSOR_FLAG_INPUT  = 1,
    GGML_TENSOR_FLAG_OUTPUT = 2,
    GGML_TENSOR_FLAG_PARAM  = 4,
    GGML_TENSOR_FLAG_LOSS   = 8,
};

enum ggml_log_level {
    GGML_LOG_LEVEL_NONE  = 0,
    GGML_LOG_LEVEL_DEBUG = 1,
    GGML_LOG_LEVEL_INFO  = 2,
    GGML_LOG_LEVEL_WARN  = 3,
    GGML_LOG_LEVEL_ERROR = 4,
    GGML_LOG_LEVEL_CONT  = 5,
};

struct ggml_backend_buffer;

// Only the leading fields are mirrored: calibkit reads tensors through
// pointers and never allocates one, so the fields after name do not matter.
struct ggml_tensor {
    enum ggml_type type;
    struct ggml_backend_buffer * buffer;
    int64_t ne[GGML_MAX_DIMS];
    size_t  nb[GGML_MAX_DIMS];
    enum ggml_op op;
    int32_t op_params[GGML_MAX_OP_PARAMS / sizeof(int32_t)];
    int32_t flags;
    struct ggml_tensor * src[GGML_MAX_SRC];
    struct ggml_tensor * view_src;
    size_t view_offs;
    void * data;
    char name[GGML_MAX_NAME];
};

#define GGML_MAX_N_THREADS 512

enum ggml_sched_priority {
    GGML_SCHED_PRIO_LOW = -1,
    GGML_SCHED_PRIO_NORMAL,
    GGML_SCHED_PRIO_MEDIUM,
    GGML_SCHED_PRIO_HIGH,
    GGML_SCHED_PRIO_REALTIME,
};

struct ggml_threadpool_params {
    bool                cpumask[GGML_MAX_N_THREADS];
    int                 n_threads;
    enum ggml_sched_priority prio;
    uint32_t            poll;
    bool                strict_cpu;
    bool                paused;
};

struct ggml_threadpool;

typedef void (*ggml_log_callback)(enum ggml_log_level level, const char * text, void * user_data);
typedef bool (*ggml_abort_callback)(void * data);
typedef bool (*ggml_backend_sched_eval_callback)(struct ggml_tensor * t, bool ask, void * user_data);

void ggml_log_set(ggml_log_callback log_callback, void * user_data);
const char * ggml_type_name(enum ggml_type type);
int64_t ggml_blck_size(enum ggml_type type);
size_t  ggml_type_size(enum ggml_type type);
void ggml_threadpool_params_init(struct ggml_threadpool_params * p, int n_threads);
struct ggml_threadpool * ggml_threadpool_new(struct ggml_threadpool_params * params);
void ggml_threadpool_free(struct ggml_threadpool * threadpool);
bool ggml_backend_buffer_is_host(struct ggml_backend_buffer * buffer);

// quantizing single tensors (quantize.cpp's ck_quantize_rows)
typedef uint16_t ggml_fp16_t;
typedef struct { uint16_t bits; } ggml_bf16_t;
typedef void (*ggml_to_float_t)(const void * x, float * y, int64_t k);
typedef void (*ggml_from_float_t)(const float * x, void * y, int64_t k);

struct ggml_type_traits {
    const char *      type_name;
    int64_t           blck_size;
    int64_t           blck_size_interleave;
    size_t            type_size;
    bool              is_quantized;
    ggml_to_float_t   to_float;
    ggml_from_float_t from_float_ref;
};

const struct ggml_type_traits * ggml_get_type_traits(enum ggml_type type);
bool   ggml_is_quantized(enum ggml_type type);
size_t ggml_row_size(enum ggml_type type, int64_t ne);
void   ggml_fp16_to_fp32_row(const ggml_fp16_t * x, float * y, int64_t n);
void   ggml_bf16_to_fp32_row(const ggml_bf16_t * x, float * y, int64_t n);
size_t ggml_quantize_chunk(enum ggml_type type, const float * src, void * dst, int64_t start, int64_t nrows,
                           int64_t n_per_row, const float * imatrix);
bool   ggml_validate_row_data(enum ggml_type type, const void * data, size_t nbytes);

// Graph surgery and gradients (train.c).
struct ggml_context;
struct ggml_cgraph;
int64_t ggml_nelements(const struct ggml_tensor * tensor);
size_t  ggml_nbytes(const struct ggml_tensor * tensor);
bool    ggml_is_contiguous(const struct ggml_tensor * tensor);
struct ggml_tensor * ggml_cont(struct ggml_context * ctx, struct ggml_tensor * a);
struct ggml_tensor * ggml_transpose(struct ggml_context * ctx, struct ggml_tensor * a);
struct ggml_tensor * ggml_reshape_2d(struct ggml_context * ctx, struct ggml_tensor * a, int64_t ne0, int64_t ne1);
struct ggml_tensor * ggml_set_name(struct ggml_tensor * tensor, const char * name);
void ggml_build_forward_expand(struct ggml_cgraph * cgraph, struct ggml_tensor * tensor);
void ggml_graph_clear(struct ggml_cgraph * cgraph);
int  ggml_graph_n_nodes(struct ggml_cgraph * cgraph);
struct ggml_tensor ** ggml_graph_nodes(struct ggml_cgraph * cgraph);
void ggml_backend_tensor_get(const struct ggml_tensor * tensor, void * data, size_t offset, size_t size);

// ---- ggml-opt.h ---------------------------------------------------------------

typedef struct ggml_opt_dataset * ggml_opt_dataset_t;
typedef struct ggml_opt_context * ggml_opt_context_t;
typedef struct ggml_opt_result  * ggml_opt_result_t;

enum ggml_opt_optimizer_type {
    GGML_OPT_OPTIMIZER_TYPE_ADAMW = 0,
    GGML_OPT_OPTIMIZER_TYPE_SGD   = 1,
};

struct ggml_opt_optimizer_params {
    struct {
        float alpha;
        float beta1;
        float beta2;
        float eps;
        float wd;
    } adamw;
    struct {
        float alpha;
        float wd;
    } sgd;
};

typedef struct ggml_opt_optimizer_params (*ggml_opt_get_optimizer_params)(void * userdata);
typedef void (*ggml_opt_epoch_callback)(bool train, ggml_opt_context_t opt_ctx, ggml_opt_dataset_t dataset,
        ggml_opt_result_t result, int64_t ibatch, int64_t ibatch_max, int64_t t_start_us);

ggml_opt_dataset_t ggml_opt_dataset_init(enum ggml_type type_data, enum ggml_type type_label,
        int64_t ne_datapoint, int64_t ne_label, int64_t ndata, int64_t ndata_shard);
void ggml_opt_dataset_free(ggml_opt_dataset_t dataset);
struct ggml_tensor * ggml_opt_dataset_data(ggml_opt_dataset_t dataset);
struct ggml_tensor * ggml_opt_dataset_labels(ggml_opt_dataset_t dataset);
void ggml_opt_reset(ggml_opt_context_t opt_ctx, bool optimizer);
struct ggml_tensor * ggml_opt_grad_acc(ggml_opt_context_t opt_ctx, struct ggml_tensor * node);
ggml_opt_result_t ggml_opt_result_init(void);
void ggml_opt_result_free(ggml_opt_result_t result);
void ggml_opt_result_reset(ggml_opt_result_t result);
void ggml_opt_result_loss(ggml_opt_result_t result, double * loss, double * unc);

// ---- llama.h ------------------------------------------------------------------

struct llama_model;
struct llama_context;
struct llama_vocab;
typedef struct llama_memory_i * llama_memory_t;

typedef int32_t llama_pos;
typedef int32_t llama_token;
typedef int32_t llama_seq_id;

enum llama_vocab_type {
    LLAMA_VOCAB_TYPE_NONE   = 0,
    LLAMA_VOCAB_TYPE_SPM    = 1,
    LLAMA_VOCAB_TYPE_BPE    = 2,
    LLAMA_VOCAB_TYPE_WPM    = 3,
    LLAMA_VOCAB_TYPE_UGM    = 4,
    LLAMA_VOCAB_TYPE_RWKV   = 5,
    LLAMA_VOCAB_TYPE_PLAMO2 = 6,
};

enum llama_token_attr {
    LLAMA_TOKEN_ATTR_UNDEFINED    = 0,
    LLAMA_TOKEN_ATTR_UNKNOWN      = 1 << 0,
    LLAMA_TOKEN_ATTR_UNUSED       = 1 << 1,
    LLAMA_TOKEN_ATTR_NORMAL       = 1 << 2,
    LLAMA_TOKEN_ATTR_CONTROL      = 1 << 3,
    LLAMA_TOKEN_ATTR_USER_DEFINED = 1 << 4,
    LLAMA_TOKEN_ATTR_BYTE         = 1 << 5,
    LLAMA_TOKEN_ATTR_NORMALIZED   = 1 << 6,
    LLAMA_TOKEN_ATTR_LSTRIP       = 1 << 7,
    LLAMA_TOKEN_ATTR_RSTRIP       = 1 << 8,
    LLAMA_TOKEN_ATTR_SINGLE_WORD  = 1 << 9,
};

enum llama_split_mode {
    LLAMA_SPLIT_MODE_NONE  = 0,
    LLAMA_SPLIT_MODE_LAYER = 1,
    LLAMA_SPLIT_MODE_ROW   = 2,
};

enum llama_rope_scaling_type {
    LLAMA_ROPE_SCALING_TYPE_UNSPECIFIED = -1,
    LLAMA_ROPE_SCALING_TYPE_NONE        = 0,
    LLAMA_ROPE_SCALING_TYPE_LINEAR      = 1,
    LLAMA_ROPE_SCALING_TYPE_YARN        = 2,
    LLAMA_ROPE_SCALING_TYPE_LONGROPE    = 3,
};

enum llama_pooling_type {
    LLAMA_POOLING_TYPE_UNSPECIFIED = -1,
    LLAMA_POOLING_TYPE_NONE        = 0,
    LLAMA_POOLING_TYPE_MEAN        = 1,
    LLAMA_POOLING_TYPE_CLS         = 2,
    LLAMA_POOLING_TYPE_LAST        = 3,
    LLAMA_POOLING_TYPE_RANK        = 4,
};

enum llama_attention_type {
    LLAMA_ATTENTION_TYPE_UNSPECIFIED = -1,
    LLAMA_ATTENTION_TYPE_CAUSAL      = 0,
    LLAMA_ATTENTION_TYPE_NON_CAUSAL  = 1,
};

enum llama_flash_attn_type {
    LLAMA_FLASH_ATTN_TYPE_AUTO     = -1,
    LLAMA_FLASH_ATTN_TYPE_DISABLED = 0,
    LLAMA_FLASH_ATTN_TYPE_ENABLED  = 1,
};

// model file types
enum llama_ftype {
    LLAMA_FTYPE_ALL_F32          = 0,
    LLAMA_FTYPE_MOSTLY_F16       = 1,
    LLAMA_FTYPE_MOSTLY_Q4_0      = 2,
    LLAMA_FTYPE_MOSTLY_Q4_1      = 3,
    LLAMA_FTYPE_MOSTLY_Q8_0      = 7,
    LLAMA_FTYPE_MOSTLY_Q5_0      = 8,
    LLAMA_FTYPE_MOSTLY_Q5_1      = 9,
    LLAMA_FTYPE_MOSTLY_Q2_K      = 10,
    LLAMA_FTYPE_MOSTLY_Q3_K_S    = 11,
    LLAMA_FTYPE_MOSTLY_Q3_K_M    = 12,
    LLAMA_FTYPE_MOSTLY_Q3_K_L    = 13,
    LLAMA_FTYPE_MOSTLY_Q4_K_S    = 14,
    LLAMA_FTYPE_MOSTLY_Q4_K_M    = 15,
    LLAMA_FTYPE_MOSTLY_Q5_K_S    = 16,
    LLAMA_FTYPE_MOSTLY_Q5_K_M    = 17,
    LLAMA_FTYPE_MOSTLY_Q6_K      = 18,
    LLAMA_FTYPE_MOSTLY_IQ2_XXS   = 19,
    LLAMA_FTYPE_MOSTLY_IQ2_XS    = 20,
    LLAMA_FTYPE_MOSTLY_Q2_K_S    = 21,
    LLAMA_FTYPE_MOSTLY_IQ3_XS    = 22,
    LLAMA_FTYPE_MOSTLY_IQ3_XXS   = 23,
    LLAMA_FTYPE_MOSTLY_IQ1_S     = 24,
    LLAMA_FTYPE_MOSTLY_IQ4_NL    = 25,
    LLAMA_FTYPE_MOSTLY_IQ3_S     = 26,
    LLAMA_FTYPE_MOSTLY_IQ3_M     = 27,
    LLAMA_FTYPE_MOSTLY_IQ2_S     = 28,
    LLAMA_FTYPE_MOSTLY_IQ2_M     = 29,
    LLAMA_FTYPE_MOSTLY_IQ4_XS    = 30,
    LLAMA_FTYPE_MOSTLY_IQ1_M     = 31,
    LLAMA_FTYPE_MOSTLY_BF16      = 32,
    LLAMA_FTYPE_MOSTLY_TQ1_0     = 36,
    LLAMA_FTYPE_MOSTLY_TQ2_0     = 37,
    LLAMA_FTYPE_MOSTLY_MXFP4_MOE = 38,
    LLAMA_FTYPE_GUESSED          = 1024,
};

enum llama_model_kv_override_type {
    LLAMA_KV_OVERRIDE_TYPE_INT   = 0,
    LLAMA_KV_OVERRIDE_TYPE_FLOAT = 1,
    LLAMA_KV_OVERRIDE_TYPE_BOOL  = 2,
    LLAMA_KV_OVERRIDE_TYPE_STR   = 3,
};

struct llama_model_kv_override {
    enum llama_model_kv_override_type tag;
    char key[128];
    union {
        int64_t val_i64;
        double  val_f64;
        bool    val_bool;
        char    val_str[128];
    };
};

typedef bool (*llama_progress_callback)(float progress, void * user_data);

typedef struct llama_batch {
    int32_t n_tokens;
    llama_token  *  token;
    float        *  embd;
    llama_pos    *  pos;
    int32_t      *  n_seq_id;
    llama_seq_id ** seq_id;
    int8_t       *  logits;
} llama_batch;

struct llama_model_params {
    void ** devices;                     // ggml_backend_dev_t *
    const void * tensor_buft_overrides;  // const struct llama_model_tensor_buft_override *
    int32_t n_gpu_layers;
    enum llama_split_mode split_mode;
    int32_t main_gpu;
    const float * tensor_split;
    llama_progress_callback progress_callback;
    void * progress_callback_user_data;
    const void * kv_overrides;           // const struct llama_model_kv_override *
    bool vocab_only;
    bool use_mmap;
    bool use_mlock;
    bool check_tensors;
    bool use_extra_bufts;
    bool no_host;
    bool no_alloc;
};

struct llama_context_params {
    uint32_t n_ctx;
    uint32_t n_batch;
    uint32_t n_ubatch;
    uint32_t n_seq_max;
    int32_t  n_threads;
    int32_t  n_threads_batch;

    enum llama_rope_scaling_type rope_scaling_type;
    enum llama_pooling_type      pooling_type;
    enum llama_attention_type    attention_type;
    enum llama_flash_attn_type   flash_attn_type;

    float    rope_freq_base;
    float    rope_freq_scale;
    float    yarn_ext_factor;
    float    yarn_attn_factor;
    float    yarn_beta_fast;
    float    yarn_beta_slow;
    uint32_t yarn_orig_ctx;
    float    defrag_thold;

    ggml_backend_sched_eval_callback cb_eval;
    void * cb_eval_user_data;

    enum ggml_type type_k;
    enum ggml_type type_v;

    ggml_abort_callback abort_callback;
    void *              abort_callback_data;

    bool embeddings;
    bool offload_kqv;
    bool no_perf;
    bool op_offload;
    bool swa_full;
    bool kv_unified;
};

// The four pointers are C++ objects that llama-quant.cpp casts back:
// imatrix a std::unordered_map<std::string, std::vector<float>>, kv_overrides
// a std::vector<llama_model_kv_override> ended by an empty key, tensor_types
// a std::vector<tensor_quantization> and prune_layers a std::vector<int>.
// quantize.cpp builds them from C arrays.
typedef struct llama_model_quantize_params {
    int32_t nthread;
    enum llama_ftype ftype;
    enum ggml_type output_tensor_type;
    enum ggml_type token_embedding_type;
    bool allow_requantize;
    bool quantize_output_tensor;
    bool only_copy;
    bool pure;
    bool keep_split;
    void * imatrix;
    void * kv_overrides;
    void * tensor_types;
    void * prune_layers;
} llama_model_quantize_params;

typedef bool (*llama_opt_param_filter)(const struct ggml_tensor * tensor, void * userdata);

struct llama_opt_params {
    uint32_t n_ctx_train;
    llama_opt_param_filter param_filter;
    void * param_filter_ud;
    ggml_opt_get_optimizer_params get_opt_pars;
    void * get_opt_pars_ud;
    enum ggml_opt_optimizer_type optimizer_type;
};

struct llama_model_params   llama_model_default_params(void);
struct llama_context_params llama_context_default_params(void);

void llama_backend_init(void);
void llama_log_set(ggml_log_callback log_callback, void * user_data);
const char * llama_print_system_info(void);

struct llama_model * llama_model_load_from_file(const char * path_model, struct llama_model_params params);
void llama_model_free(struct llama_model * model);

const struct llama_vocab * llama_model_get_vocab(const struct llama_model * model);
int32_t  llama_model_n_ctx_train(const struct llama_model * model);
int32_t  llama_model_n_embd(const struct llama_model * model);
int32_t  llama_model_n_layer(const struct llama_model * model);
uint64_t llama_model_size(const struct llama_model * model);
uint64_t llama_model_n_params(const struct llama_model * model);
int32_t  llama_model_desc(const struct llama_model * model, char * buf, size_t buf_size);
int32_t  llama_model_meta_val_str(const struct llama_model * model, const char * key, char * buf, size_t buf_size);

enum llama_vocab_type llama_vocab_type(const struct llama_vocab * vocab);
int32_t     llama_vocab_n_tokens(const struct llama_vocab * vocab);
llama_token llama_vocab_bos(const struct llama_vocab * vocab);
llama_token llama_vocab_eos(const struct llama_vocab * vocab);
bool        llama_vocab_get_add_bos(const struct llama_vocab * vocab);
bool        llama_vocab_get_add_eos(const struct llama_vocab * vocab);

int32_t llama_tokenize(const struct llama_vocab * vocab, const char * text, int32_t text_len,
                       llama_token * tokens, int32_t n_tokens_max, bool add_special, bool parse_special);
float llama_vocab_get_score(const struct llama_vocab * vocab, llama_token token);
enum llama_token_attr llama_vocab_get_attr(const struct llama_vocab * vocab, llama_token token);
int32_t llama_token_to_piece(const struct llama_vocab * vocab, llama_token token, char * buf, int32_t length,
                             int32_t lstrip, bool special);
int32_t llama_detokenize(const struct llama_vocab * vocab, const llama_token * tokens, int32_t n_tokens,
                         char * text, int32_t text_len_max, bool remove_special, bool unparse_special);

struct llama_context * llama_init_from_model(struct llama_model * model, struct llama_context_params params);
void llama_free(struct llama_context * ctx);
void llama_attach_threadpool(struct llama_context * ctx, struct ggml_threadpool * threadpool, struct ggml_threadpool * threadpool_batch);
void llama_detach_threadpool(struct llama_context * ctx);

uint32_t llama_n_ctx(const struct llama_context * ctx);
uint32_t llama_n_batch(const struct llama_context * ctx);
uint32_t llama_n_ubatch(const struct llama_context * ctx);
uint32_t llama_n_seq_max(const struct llama_context * ctx);

llama_memory_t llama_get_memory(const struct llama_context * ctx);
void llama_memory_clear(llama_memory_t mem, bool data);

struct llama_batch llama_batch_init(int32_t n_tokens, int32_t embd, int32_t n_seq_max);
void llama_batch_free(struct llama_batch batch);
int32_t llama_decode(struct llama_context * ctx, struct llama_batch batch);
void llama_synchronize(struct llama_context * ctx);
float * llama_get_logits_ith(struct llama_context * ctx, int32_t i);
float * llama_get_logits(struct llama_context * ctx);

void llama_opt_init(struct llama_context * lctx, struct llama_model * model, struct llama_opt_params lopt_params);
void llama_opt_epoch(struct llama_context * lctx, ggml_opt_dataset_t dataset, ggml_opt_result_t result_train,
        ggml_opt_result_t result_eval, int64_t idata_split, ggml_opt_epoch_callback callback_train,
        ggml_opt_epoch_callback callback_eval);
void llama_model_save_to_file(const struct llama_model * model, const char * path_model);

struct llama_model_quantize_params llama_model_quantize_default_params(void);
uint32_t llama_model_quantize(const char * fname_inp, const char * fname_out, const struct llama_model_quantize_params * params);
int llama_split_path(char * split_path, size_t maxlen, const char * path_prefix, int split_no, int split_count);

// ---- calibkit's own helpers (binding.c) -------------------------------------

void ck_init_logging(void);
void ck_set_verbose(int on);
size_t ck_take_errors(char * buf, size_t n);

int * ck_flag_new(void);
void ck_flag_set(int * flag, int v);
void ck_flag_free(int * flag);
void ck_context_params_set_callbacks(struct llama_context_params * p, uintptr_t hook, int * abort_flag);

int ck_accumulate_dense(const struct ggml_tensor * t, float * sq, float * sum);
int ck_accumulate_experts(const struct ggml_tensor * t, float * sq, float * sum, int64_t * counts, int64_t n_counts);
double ck_log_softmax(const float * logits, int32_t n_vocab, int32_t tok);
double ck_log_probs_u16(const float * logits, int32_t n_vocab, int32_t tok, uint16_t * out);
double ck_kld_row(const float * logits, int32_t n_vocab, const uint16_t * base, int32_t tok, float * res, int * same_top);
float ck_log_softmax_f32(const float * logits, int32_t n_vocab, int32_t tok);
float ck_log_softmax_prob(const float * logits, int32_t n_vocab, int32_t tok);
void ck_log_softmax_probs(const float * logits, int32_t n_vocab, const int32_t * toks, int32_t n, float * out);

// ---- calibkit's training shim (train.c) -------------------------------------

// ck_trainer is one training session: the dataset of one window, the loss
// result, the optimizer settings the next step uses, the trainable tensors
// llama_opt_init offered, and the gradients to copy out of the next step.
struct ck_trainer;
struct ck_trainer * ck_trainer_new(struct llama_context * lctx, struct llama_model * model, int32_t n_ctx);
void ck_trainer_free(struct ck_trainer * t);
void ck_trainer_set_adamw(struct ck_trainer * t, float alpha, float beta1, float beta2, float eps, float wd);
int  ck_trainer_run(struct ck_trainer * t, const int32_t * tokens, const int32_t * labels, int train, double * loss);
int  ck_trainer_n_params(struct ck_trainer * t);
struct ggml_tensor * ck_trainer_param(struct ck_trainer * t, int i);
void ck_trainer_watch(struct ck_trainer * t, struct ggml_tensor * param, float * dst);
size_t ck_train_take_error(char * buf, size_t n);
void ck_set_trainer_context(int on);
typedef struct ggml_backend * ggml_backend_t;
typedef struct ggml_backend_buffer_type * ggml_backend_buffer_type_t;
typedef struct ggml_backend_sched * ggml_backend_sched_t;

// ---- calibkit's quantize shim (quantize.cpp) --------------------------------

// ck_log_sink is binding.c's log sink; ck_quant_log wraps it for llama.cpp's
// log so that a quantize run on this thread can count tensors and stop.
void ck_log_sink(enum ggml_log_level level, const char * text, void * user_data);
void ck_quant_log(enum ggml_log_level level, const char * text, void * user_data);

#endif
