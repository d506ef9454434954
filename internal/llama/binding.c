// binding.c holds calibkit's own C side of the binding: the log sink, the
// evaluation and abort callbacks handed to llama.cpp, and the hot loops
// (sums of squares of activations, log-softmax) that would cost too much
// in Go at every matrix multiplication.
#include "binding.h"
#include "_cgo_export.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- logging -------------------------------------------------------------------

static int ck_verbose;
static pthread_mutex_t ck_err_mu = PTHREAD_MUTEX_INITIALIZER;
static char ck_err[2048];
static size_t ck_err_len;
static enum ggml_log_level ck_last_level;

static void ck_err_append(const char * text) {
    size_t n = strlen(text);
    if (n > sizeof(ck_err) - 1 - ck_err_len) {
        n = sizeof(ck_err) - 1 - ck_err_len;
    }
    memcpy(ck_err + ck_err_len, text, n);
    ck_err_len += n;
    ck_err[ck_err_len] = 0;
}

// ck_log_sink drops llama.cpp's messages unless verbose, but always remembers
// the error-level ones so that a failed call can report them.
void ck_log_sink(enum ggml_log_level level, const char * text, void * user_data) {
    (void) user_data;
    if (__atomic_load_n(&ck_verbose, __ATOMIC_RELAXED)) {
        fputs(text, stderr);
        fflush(stderr);
    }
    pthread_mutex_lock(&ck_err_mu);
    if (level == GGML_LOG_LEVEL_ERROR || (level == GGML_LOG_LEVEL_CONT && ck_last_level == GGML_LOG_LEVEL_ERROR)) {
        ck_err_append(text);
    }
    if (level != GGML_LOG_LEVEL_CONT) {
        ck_last_level = level;
    }
    pthread_mutex_unlock(&ck_err_mu);
}

void ck_init_logging(void) {
    llama_log_set(ck_quant_log, NULL); // quantize.cpp: counts a quantize run's tensors
    ggml_log_set(ck_log_sink, NULL);
}

void ck_set_verbose(int on) { __atomic_store_n(&ck_verbose, on, __ATOMIC_RELAXED); }

// ck_take_errors copies the error messages logged since the last call into
// buf (NUL-terminated) and forgets them.
size_t ck_take_errors(char * buf, size_t n) {
    pthread_mutex_lock(&ck_err_mu);
    size_t m = ck_err_len < n - 1 ? ck_err_len : n - 1;
    memcpy(buf, ck_err, m);
    buf[m] = 0;
    ck_err_len = 0;
    ck_err[0] = 0;
    pthread_mutex_unlock(&ck_err_mu);
    return m;
}

// ---- callbacks -------------------------------------------------------------

int * ck_flag_new(void) { return calloc(1, sizeof(int)); }
void ck_flag_set(int * flag, int v) { __atomic_store_n(flag, v, __ATOMIC_RELAXED); }
void ck_flag_free(int * flag) { free(flag); }

static bool ck_abort(void * data) { return __atomic_load_n((int *) data, __ATOMIC_RELAXED) != 0; }

// ck_eval answers the scheduler's questions for matrix multiplications only;
// every other node is refused here without a trip into Go.
static bool ck_eval(struct ggml_tensor * t, bool ask, void * user_data) {
    if (t->op != GGML_OP_MUL_MAT && t->op != GGML_OP_MUL_MAT_ID) {
        return false;
    }
    return ckGoEval((uintptr_t) user_data, t, ask);
}

void ck_context_params_set_callbacks(struct llama_context_params * p, uintptr_t hook, int * abort_flag) {
    if (hook != 0) {
        p->cb_eval = ck_eval;
        p->cb_eval_user_data = (void *) hook;
    }
    p->abort_callback = ck_abort;
    p->abort_callback_data = abort_flag;
}

// ---- sums of squares ---------------------------------------------------------

static inline void ck_add_row(float * restrict sq, float * restrict sum, const float * restrict x, int64_t n) {
    for (int64_t j = 0; j < n; ++j) {
        sq[j] += x[j] * x[j];
    }
    if (sum) {
        for (int64_t j = 0; j < n; ++j) {
            sum[j] += x[j];
        }
    }
}

static int ck_finite(const float * v, int64_t n) {
    int ok = 1;
    for (int64_t j = 0; j < n; ++j) {
        ok &= isfinite(v[j]);
    }
    return ok;
}

// ck_accumulate_dense adds the squares (and, when sum is not NULL, the
// values) of every row of a MUL_MAT's src1 into the matrices of sq, mapping
// src1's planes to the weight's matrices as llama-imatrix does. It returns 0,
// or 1 + the index of the first matrix whose sums are no longer finite. It
// runs on the calling thread: the ggml thread pool keeps the other CPUs
// polling for the next piece of the graph, and more threads here only
// contend with it (measured).
int ck_accumulate_dense(const struct ggml_tensor * t, float * sq, float * sum) {
    const struct ggml_tensor * src0 = t->src[0];
    const struct ggml_tensor * src1 = t->src[1];
    const int64_t ne0 = src1->ne[0];
    const char * data = (const char *) src1->data;
    for (int64_t i3 = 0; i3 < src1->ne[3]; ++i3) {
        for (int64_t i2 = 0; i2 < src1->ne[2]; ++i2) {
            const int64_t mat = (i3 % src0->ne[3]) * src0->ne[2] + (i2 % src0->ne[2]);
            float * s = sq + mat * ne0;
            float * a = sum ? sum + mat * ne0 : NULL;
            for (int64_t row = 0; row < src1->ne[1]; ++row) {
                const float * x = (const float *) (data + row * src1->nb[1] + i2 * src1->nb[2] + i3 * src1->nb[3]);
                ck_add_row(s, a, x, ne0);
            }
        }
    }
    const int64_t n_mat = src0->ne[2] * src0->ne[3];
    for (int64_t m = 0; m < n_mat; ++m) {
        if (!ck_finite(sq + m * ne0, ne0) || (sum && !ck_finite(sum + m * ne0, ne0))) {
            return (int) (m + 1);
        }
    }
    return 0;
}

// ck_accumulate_experts does the same for a MUL_MAT_ID: each (slot, token)
// row goes to the expert the ids tensor (src[2]) routed it to, whose count
// grows by one. Rows reach each expert in llama-imatrix's order. It returns
// 0, -1 for an expert id out of range, or 1 + the first expert whose sums
// are no longer finite.
int ck_accumulate_experts(const struct ggml_tensor * t, float * sq, float * sum, int64_t * counts, int64_t n_counts) {
    const struct ggml_tensor * src0 = t->src[0];
    const struct ggml_tensor * src1 = t->src[1];
    const struct ggml_tensor * ids  = t->src[2];
    const int64_t ne0 = src1->ne[0];
    const int64_t n_as = src0->ne[2];
    const char * data = (const char *) src1->data;
    const char * idd = (const char *) ids->data;
    if (n_as != n_counts) {
        return -1;
    }
    for (int64_t idx = 0; idx < ids->ne[0]; ++idx) {
        for (int64_t row = 0; row < ids->ne[1]; ++row) {
            const int32_t ex = *(const int32_t *) (idd + row * ids->nb[1] + idx * ids->nb[0]);
            if (ex < 0 || ex >= n_as) {
                return -1;
            }
            const int64_t i11 = idx % src1->ne[1];
            const float * x = (const float *) (data + i11 * src1->nb[1] + row * src1->nb[2]);
            counts[ex]++;
            ck_add_row(sq + ex * ne0, sum ? sum + ex * ne0 : NULL, x, ne0);
        }
    }
    for (int64_t m = 0; m < n_as; ++m) {
        if (!ck_finite(sq + m * ne0, ne0) || (sum && !ck_finite(sum + m * ne0, ne0))) {
            return (int) (m + 1);
        }
    }
    return 0;
}

// ck_log_softmax returns log p(tok) under the logits, computed as
// llama-imatrix and llama-perplexity do (float max, double sum of expf).
double ck_log_softmax(const float * logits, int32_t n_vocab, int32_t tok) {
    float max_logit = logits[0];
    for (int32_t i = 1; i < n_vocab; ++i) {
        max_logit = logits[i] > max_logit ? logits[i] : max_logit;
    }
    double sum_exp = 0.0;
    for (int32_t i = 0; i < n_vocab; ++i) {
        sum_exp += expf(logits[i] - max_logit);
    }
    return logits[tok] - max_logit - log(sum_exp);
}

// ck_nearest_int rounds to the nearest integer as llama-perplexity does
// (the float magic-number trick, valid below 2^22).
static inline int ck_nearest_int(float fval) {
    float val = fval + 12582912.f;
    int i;
    memcpy(&i, &val, sizeof(int));
    return (i & 0x007fffff) - 0x00400000;
}

// ck_log_probs_u16 writes one row of llama-perplexity's KL-divergence base
// file for the logits as upstream lays it out: out[0..3] hold two floats
// (scale, min log-prob), then n_vocab codes of (logit - min_logit)/scale,
// the logits clipped from below at max - 16. It
// returns the negative log-likelihood of tok computed in float, as upstream
// does in that mode.
double ck_log_probs_u16(const float * logits, int32_t n_vocab, int32_t tok, uint16_t * out) {
    float max_logit = logits[0];
    float min_logit = logits[0];
    for (int32_t i = 1; i < n_vocab; ++i) {
        max_logit = logits[i] > max_logit ? logits[i] : max_logit;
        min_logit = logits[i] < min_logit ? logits[i] : min_logit;
    }
    min_logit = min_logit > max_logit - 16 ? min_logit : max_logit - 16;
    double sum_exp = 0.0;
    for (int32_t i = 0; i < n_vocab; ++i) {
        sum_exp += expf(logits[i] - max_logit);
    }
    const float log_sum_exp = log(sum_exp);
    const float min_log_prob = min_logit - max_logit - log_sum_exp;
    const float scale = (max_logit - min_logit) / 65535.f;
    float d[2] = { scale, min_log_prob };
    memcpy(out, d, sizeof(d));
    uint16_t * codes = out + 4;
    if (scale) {
        const float inv_scale = 1 / scale;
        for (int32_t i = 0; i < n_vocab; ++i) {
            codes[i] = logits[i] > min_logit ? (uint16_t) ck_nearest_int(inv_scale * (logits[i] - min_logit)) : 0;
        }
    } else {
        memset(codes, 0, (size_t) n_vocab * sizeof(uint16_t));
    }
    return max_logit + log_sum_exp - logits[tok];
}

// ck_kld_row compares the logits with one base row written by
// ck_log_probs_u16 (or llama-perplexity), as llama-perplexity's
// --kl-divergence does: res gets the negative log-likelihoods of tok under
// the logits and under the base, and p(tok) minus p_base(tok), all in float;
// the return value is the KL divergence (base || logits) in double, and
// *same_top whether both put the most probability on the same token.
double ck_kld_row(const float * logits, int32_t n_vocab, const uint16_t * base, int32_t tok, float * res, int * same_top) {
    float max_logit = logits[0];
    int32_t imax = 0;
    for (int32_t i = 1; i < n_vocab; ++i) {
        if (logits[i] > max_logit) {
            max_logit = logits[i];
            imax = i;
        }
    }
    double sum_exp = 0.0;
    for (int32_t i = 0; i < n_vocab; ++i) {
        sum_exp += expf(logits[i] - max_logit);
    }
    const float log_sum_exp = log(sum_exp);
    float d[2];
    memcpy(d, base, sizeof(d));
    const float scale = d[0];
    const float min_log_prob = d[1];
    const uint16_t * codes = base + 4;

    const float nll = max_logit + log_sum_exp - logits[tok];
    const float nll_base = -(scale * codes[tok] + min_log_prob);

    max_logit += log_sum_exp;
    double sum = 0;
    int32_t imax_base = -1;
    float p_log_base_max = 0;
    for (int32_t i = 0; i < n_vocab; ++i) {
        const float p_log_base = scale * codes[i] + min_log_prob;
        if (i == 0 || p_log_base > p_log_base_max) {
            p_log_base_max = p_log_base;
            imax_base = i;
        }
        if (p_log_base > -16.f) {
            const float p_base = expf(p_log_base);
            sum += p_base * (p_log_base - logits[i] + max_logit);
        }
    }
    const float p_base = expf(-nll_base);
    const float p = expf(-nll);
    res[0] = nll;
    res[1] = nll_base;
    res[2] = p - p_base;
    *same_top = imax == imax_base;
    return sum;
}
