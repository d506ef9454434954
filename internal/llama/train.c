// train.c is calibkit's training shim around llama.cpp's training API
// (llama_opt_init, llama_opt_epoch, ggml-opt's AdamW) at the pinned commit.
//
// The pinned llama.cpp cannot train a llama-architecture model as it is:
//
//  1. The KV-cache writes are SET_ROWS nodes whose results are views of the
//     cache, and attention reads the cache tensor itself, so
//     ggml_build_backward_expand aborts ("inplace operations are currently
//     not supported") and, past that, no gradient would reach attn_k/attn_v.
//  2. ggml-alloc lets RMS_NORM_BACK and SOFT_MAX_BACK compute in place over
//     an input that their CPU kernels read after writing the output, so the
//     gradients below the final norm come out silently wrong.
//  3. With one micro-batch per step (n_batch == n_ubatch, opt_period 1) and
//     graphs built per step, ggml-opt never clears its gradient
//     accumulators: step k would follow the sum of all k gradients.
//
// The linker's --wrap (link.go) routes three calls through this file, which
// mends each while a ck_trainer runs and passes everything through
// otherwise:
//
//  1. ggml_opt_prepare_alloc: every cache write becomes a plain copy of the
//     window's K or V into the cache (CPY, whose result attention now reads),
//     which is exact when the window fills the cache from cell 0 (n_ctx =
//     n_batch = n_ubatch, one sequence, the cache cleared per window, as
//     llama_opt_epoch does). Any other graph shape is refused: a forward-only
//     call records the error, a training call stops the process with it, so
//     a model is never trained wrongly.
//  2. ggml_build_backward_expand: the inputs of RMS_NORM_BACK and
//     SOFT_MAX_BACK are flagged as outputs, which ggml-alloc never reuses.
//  3. ggml_opt_eval: the gradient accumulators are reset before each
//     training step, and the gradients a test asked for are copied out.
#include "binding.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CK_MAX_PARAMS 4096
#define CK_MAX_WATCH  64

struct ck_trainer {
    struct llama_context * lctx;
    int32_t n_ctx;
    int train; // the mode of the call in flight
    ggml_opt_dataset_t ds;
    ggml_opt_result_t res;
    struct ggml_opt_optimizer_params pars;
    struct ggml_tensor * params[CK_MAX_PARAMS];
    int n_params;
    struct ggml_tensor * watch[CK_MAX_WATCH];
    struct ggml_tensor * watch_acc[CK_MAX_WATCH];
    float * watch_dst[CK_MAX_WATCH];
    int n_watch;
};

// One trainer runs llama_opt_epoch at a time: the wrapped functions find it
// here.
static pthread_mutex_t ck_train_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ck_trainer * ck_active;
static char ck_train_err[1024];

static void ck_train_fail(const char * fmt, ...) {
    if (ck_train_err[0]) {
        return; // keep the first
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ck_train_err, sizeof(ck_train_err), fmt, ap);
    va_end(ap);
}

size_t ck_train_take_error(char * buf, size_t n) {
    size_t len = strlen(ck_train_err);
    if (len >= n) {
        len = n - 1;
    }
    memcpy(buf, ck_train_err, len);
    buf[len] = 0;
    ck_train_err[0] = 0;
    return len;
}

static bool ck_param_filter(const struct ggml_tensor * t, void * ud) {
    struct ck_trainer * tr = ud;
    if (tr->n_params < CK_MAX_PARAMS) {
        tr->params[tr->n_params++] = (struct ggml_tensor *) t;
    }
    return true;
}

static struct ggml_opt_optimizer_params ck_get_pars(void * ud) {
    return ((struct ck_trainer *) ud)->pars;
}

struct ck_trainer * ck_trainer_new(struct llama_context * lctx, struct llama_model * model, int32_t n_ctx) {
    struct ck_trainer * t = calloc(1, sizeof(*t));
    if (!t) {
        return NULL;
    }
    t->lctx = lctx;
    t->n_ctx = n_ctx;
    t->pars.adamw.alpha = 1e-4f;
    t->pars.adamw.beta1 = 0.9f;
    t->pars.adamw.beta2 = 0.999f;
    t->pars.adamw.eps = 1e-8f;
    t->pars.sgd.alpha = 1e-4f;
    struct llama_opt_params lp = {
        .n_ctx_train = (uint32_t) n_ctx,
        .param_filter = ck_param_filter,
        .param_filter_ud = t,
        .get_opt_pars = ck_get_pars,
        .get_opt_pars_ud = t,
        .optimizer_type = GGML_OPT_OPTIMIZER_TYPE_ADAMW,
    };
    llama_opt_init(lctx, model, lp);
    t->ds = ggml_opt_dataset_init(GGML_TYPE_I32, GGML_TYPE_I32, n_ctx, n_ctx, 1, 1);
    t->res = ggml_opt_result_init();
    if (!t->ds || !t->res) {
        ck_trainer_free(t);
        return NULL;
    }
    return t;
}

void ck_trainer_free(struct ck_trainer * t) {
    if (!t) {
        return;
    }
    if (t->ds) {
        ggml_opt_dataset_free(t->ds);
    }
    if (t->res) {
        ggml_opt_result_free(t->res);
    }
    free(t);
}

void ck_trainer_set_adamw(struct ck_trainer * t, float alpha, float beta1, float beta2, float eps, float wd) {
    t->pars.adamw.alpha = alpha;
    t->pars.adamw.beta1 = beta1;
    t->pars.adamw.beta2 = beta2;
    t->pars.adamw.eps = eps;
    t->pars.adamw.wd = wd;
}

int ck_trainer_n_params(struct ck_trainer * t) { return t->n_params; }

struct ggml_tensor * ck_trainer_param(struct ck_trainer * t, int i) { return t->params[i]; }

void ck_trainer_watch(struct ck_trainer * t, struct ggml_tensor * param, float * dst) {
    if (t->n_watch < CK_MAX_WATCH) {
        t->watch[t->n_watch] = param;
        t->watch_dst[t->n_watch] = dst;
        t->n_watch++;
    }
}

// ck_trainer_run evaluates one window: a training step (train != 0: forward,
// backward, AdamW) or the loss alone. tokens and labels hold n_ctx ids each.
// It returns 0 and the window's mean cross-entropy, or -1 with the error in
// ck_train_take_error.
int ck_trainer_run(struct ck_trainer * t, const int32_t * tokens, const int32_t * labels, int train, double * loss) {
    pthread_mutex_lock(&ck_train_mu);
    ck_train_err[0] = 0;
    memcpy(ggml_opt_dataset_data(t->ds)->data, tokens, (size_t) t->n_ctx * sizeof(int32_t));
    memcpy(ggml_opt_dataset_labels(t->ds)->data, labels, (size_t) t->n_ctx * sizeof(int32_t));
    ggml_opt_result_reset(t->res);
    t->train = train;
    ck_active = t;
    llama_opt_epoch(t->lctx, t->ds, train ? t->res : NULL, train ? NULL : t->res, train ? 1 : 0, NULL, NULL);
    ck_active = NULL;
    t->n_watch = 0;
    int rc = ck_train_err[0] ? -1 : 0;
    if (rc == 0) {
        double unc;
        ggml_opt_result_loss(t->res, loss, &unc);
    }
    pthread_mutex_unlock(&ck_train_mu);
    return rc;
}

// ---- 1. cache writes into copies that attention reads ------------------------

static char ck_cache_kind(const struct ggml_tensor * cache) {
    if (strncmp(cache->name, "cache_k_l", 9) == 0) {
        return 'k';
    }
    if (strncmp(cache->name, "cache_v_l", 9) == 0) {
        return 'v';
    }
    return 0;
}

// ck_rewrite_cache_writes returns 0 when it mended every cache write of gf,
// -1 (with ck_train_fail) when gf is not the shape it knows; it changes gf
// only in the first case.
static int ck_rewrite_cache_writes(struct ggml_context * ctx, struct ggml_cgraph * gf, int32_t n_ctx) {
    const int n = ggml_graph_n_nodes(gf);
    struct ggml_tensor ** nodes = ggml_graph_nodes(gf);
    int n_writes[2] = {0, 0};


    // check first, so that a refused graph is left as it was
    for (int i = 0; i < n; i++) {
        struct ggml_tensor * s = nodes[i];
        if (s->op == GGML_OP_FLASH_ATTN_EXT) {
            ck_train_fail("the graph uses flash attention (%s), which ggml cannot differentiate; train with flash attention off", s->name);
            return -1;
        }
        if (s->op != GGML_OP_SET_ROWS) {
            continue;
        }
        struct ggml_tensor * b = s->src[0];
        struct ggml_tensor * a = s->src[2];
        struct ggml_tensor * cache = a->view_src ? a->view_src : a;
        const char kind = ck_cache_kind(cache);
        if (!kind) {
            ck_train_fail("graph node %s writes rows into %s, which is not a KV cache that calibkit knows (llama.cpp %s)", s->name, cache->name, "ec98e2002");
            return -1;
        }
        if (cache->type != GGML_TYPE_F32 || b->type != GGML_TYPE_F32) {
            ck_train_fail("KV cache %s is %s and the window's values %s: training needs both F32", cache->name, ggml_type_name(cache->type), ggml_type_name(b->type));
            return -1;
        }
        if (ggml_nelements(b) != ggml_nelements(cache) || ggml_nelements(a) != ggml_nelements(cache) || !ggml_is_contiguous(cache) || a->view_offs != 0) {
            ck_train_fail("the window writes %lld values into KV cache %s of %lld: training needs the window to fill the cache (n_ctx = n_batch = n_ubatch = %d, one sequence)",
                (long long) ggml_nelements(b), cache->name, (long long) ggml_nelements(cache), n_ctx);
            return -1;
        }
        const bool rows = a->ne[0] == cache->ne[0] && b->ne[0] == cache->ne[0];
        const bool transposed = kind == 'v' && a->ne[0] == 1 && b->ne[0] == 1 && ggml_is_contiguous(b);
        if (!rows && !transposed) {
            ck_train_fail("KV cache write %s has a shape calibkit does not know ([%lld, %lld] into [%lld, %lld])", s->name,
                (long long) b->ne[0], (long long) b->ne[1], (long long) a->ne[0], (long long) a->ne[1]);
            return -1;
        }
        int readers = 0;
        for (int j = 0; j < n; j++) {
            if (nodes[j] != s && nodes[j] != a && nodes[j]->op == GGML_OP_VIEW && nodes[j]->src[0] == cache) {
                readers++;
            }
        }
        if (readers == 0) {
            ck_train_fail("nothing in the graph reads KV cache %s through a view", cache->name);
            return -1;
        }
        n_writes[kind == 'v']++;
    }
    if (n_writes[0] == 0 || n_writes[0] != n_writes[1]) {
        ck_train_fail("the graph writes %d K and %d V caches; calibkit knows one of each per layer", n_writes[0], n_writes[1]);
        return -1;
    }

    for (int i = 0; i < n; i++) {
        struct ggml_tensor * s = nodes[i];
        if (s->op != GGML_OP_SET_ROWS) {
            continue;
        }
        struct ggml_tensor * b = s->src[0];
        struct ggml_tensor * idx = s->src[1];
        struct ggml_tensor * a = s->src[2];
        struct ggml_tensor * cache = a->view_src ? a->view_src : a;
        struct ggml_tensor * src = b;
        if (a->ne[0] == 1 && cache->ne[0] != 1) {
            // The transposed V cache: value e of token t goes to cell
            // e*kv_size + t, so copy the window's values transposed.
            const int64_t ne = cache->ne[0];
            const int64_t nt = ggml_nelements(cache) / ne;
            src = ggml_reshape_2d(ctx, ggml_cont(ctx, ggml_transpose(ctx, ggml_reshape_2d(ctx, b, ne, nt))), 1, ne * nt);
        }
        s->op = GGML_OP_CPY;
        s->src[0] = src;
        s->src[1] = a;
        s->src[2] = idx; // unused by CPY; kept so that llama.cpp still finds it allocated to fill
        for (int j = 0; j < n; j++) {
            if (nodes[j] != s && nodes[j] != a && nodes[j]->op == GGML_OP_VIEW && nodes[j]->src[0] == cache) {
                nodes[j]->src[0] = s; // same memory: s is a view of cache
            }
        }
    }

    // Put the graph in order again: the new transposes must come before the
    // copies that use them.
    struct ggml_tensor ** old = malloc((size_t) n * sizeof(*old));
    if (!old) {
        ck_train_fail("out of memory");
        return -1;
    }
    memcpy(old, nodes, (size_t) n * sizeof(*old));
    ggml_graph_clear(gf);
    for (int i = 0; i < n; i++) {
        ggml_build_forward_expand(gf, old[i]);
    }
    free(old);
    return 0;
}

void __real_ggml_opt_prepare_alloc(ggml_opt_context_t opt_ctx, struct ggml_context * ctx_compute,
        struct ggml_cgraph * gf, struct ggml_tensor * inputs, struct ggml_tensor * outputs);

void __wrap_ggml_opt_prepare_alloc(ggml_opt_context_t opt_ctx, struct ggml_context * ctx_compute,
        struct ggml_cgraph * gf, struct ggml_tensor * inputs, struct ggml_tensor * outputs) {
    struct ck_trainer * t = ck_active;
    if (t && ck_rewrite_cache_writes(ctx_compute, gf, t->n_ctx) != 0 && t->train) {
        fprintf(stderr, "calibkit: cannot train on this graph: %s\n", ck_train_err);
        abort();
    }
    __real_ggml_opt_prepare_alloc(opt_ctx, ctx_compute, gf, inputs, outputs);
}

// ---- 0. a scheduler large enough for the training graphs ----------------------

// llama.cpp sizes its scheduler's node table by the largest inference graph
// (llama_context::graph_max_nodes, 1024 for a small model); the training
// graph (forward, backward and optimizer nodes, and their leafs) of a model
// of more than four layers does not fit, and the scheduler aborts. While
// ck_trainer_context is set (NewTrainer creating its context), the
// scheduler is made four times larger. The graphs themselves keep
// llama.cpp's size (1024 nodes for a small model), which the backward graph
// of more than 6 layers overflows; NewTrainer refuses such a model.
static int ck_trainer_context;

void ck_set_trainer_context(int on) { __atomic_store_n(&ck_trainer_context, on, __ATOMIC_SEQ_CST); }

ggml_backend_sched_t __real_ggml_backend_sched_new(ggml_backend_t * backends, ggml_backend_buffer_type_t * bufts,
        int n_backends, size_t graph_size, bool parallel, bool op_offload);

ggml_backend_sched_t __wrap_ggml_backend_sched_new(ggml_backend_t * backends, ggml_backend_buffer_type_t * bufts,
        int n_backends, size_t graph_size, bool parallel, bool op_offload) {
    if (__atomic_load_n(&ck_trainer_context, __ATOMIC_SEQ_CST)) {
        graph_size *= 4;
    }
    return __real_ggml_backend_sched_new(backends, bufts, n_backends, graph_size, parallel, op_offload);
}

// ---- 2. no in-place reuse of what the norm and softmax gradients read ---------

void __real_ggml_build_backward_expand(struct ggml_context * ctx, struct ggml_cgraph * cgraph, struct ggml_tensor ** grad_accs);

void __wrap_ggml_build_backward_expand(struct ggml_context * ctx, struct ggml_cgraph * cgraph, struct ggml_tensor ** grad_accs) {
    __real_ggml_build_backward_expand(ctx, cgraph, grad_accs);
    if (!ck_active) {
        return;
    }
    const int n = ggml_graph_n_nodes(cgraph);
    struct ggml_tensor ** nodes = ggml_graph_nodes(cgraph);
    for (int i = 0; i < n; i++) {
        if (nodes[i]->op != GGML_OP_RMS_NORM_BACK && nodes[i]->op != GGML_OP_SOFT_MAX_BACK) {
            continue;
        }
        for (int j = 0; j < 2; j++) {
            struct ggml_tensor * src = nodes[i]->src[j];
            if (src) {
                src->flags |= GGML_TENSOR_FLAG_OUTPUT;
            }
        }
    }
}

// ---- 3. fresh gradients every step, and copies for the gradient check --------

void __real_ggml_opt_eval(ggml_opt_context_t opt_ctx, ggml_opt_result_t result);

void __wrap_ggml_opt_eval(ggml_opt_context_t opt_ctx, ggml_opt_result_t result) {
    struct ck_trainer * t = ck_active;
    if (t && t->train) {
        ggml_opt_reset(opt_ctx, false); // zero the accumulators; the loss's own stays 1
        for (int i = 0; i < t->n_watch; i++) {
            t->watch_acc[i] = ggml_opt_grad_acc(opt_ctx, t->watch[i]);
        }
    }
    __real_ggml_opt_eval(opt_ctx, result);
    if (t && t->train) {
        for (int i = 0; i < t->n_watch; i++) {
            if (t->watch_acc[i]) {
                ggml_backend_tensor_get(t->watch_acc[i], t->watch_dst[i], 0, ggml_nbytes(t->watch_acc[i]));
            } else {
                ck_train_fail("no gradient was computed for %s", t->watch[i]->name);
            }
        }
    }
}
