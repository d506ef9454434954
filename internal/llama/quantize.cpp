// quantize.cpp builds the C++ objects that the pinned llama_model_quantize
// takes behind the void pointers of llama_model_quantize_params (see
// llama-quant.cpp of llama.cpp ec98e2002) from plain C arrays, and watches
// llama.cpp's log on the quantizing thread to count tensors, to stop a
// cancelled run between two tensors and to have chosen tensors copied
// unchanged. ck_quantize_rows quantizes rows of one tensor with ggml's own
// kernels, for the tensors calibkit quantizes itself.
extern "C" {
#include "quantize.h"
}
#include "_cgo_export.h"

#include <cstdio>
#include <cstring>
#include <regex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

// tensor_quantization mirrors the struct of the same name at the top of the
// pinned src/llama-quant.cpp, which casts params->tensor_types to a
// std::vector of it; quantize_test.go checks that the definition there has
// not changed.
struct tensor_quantization {
    std::string name;
    ggml_type quant = GGML_TYPE_COUNT;
};

namespace {

struct quant_state {
    uintptr_t progress;
    int * cancel;
    bool cancelled;
    // the run's parameters, which llama_model_quantize reads again for
    // every tensor, and the tensors to copy unchanged
    llama_model_quantize_params * params;
    std::unordered_set<std::string> copy;
};

// tensor_name returns the name in a tensor's header line,
// "[   i/   n]                 blk.0.ffn_down.weight - [...", or "".
std::string tensor_name(const char * text) {
    const char * p = std::strchr(text, ']');
    if (p == nullptr) {
        return "";
    }
    ++p;
    while (*p == ' ') {
        ++p;
    }
    const char * end = p;
    while (*end != '\0' && *end != ' ') {
        ++end;
    }
    return std::string(p, end);
}

// The state of the quantize run on this thread, if any. llama_model_quantize
// logs each tensor's header line from the thread that called it, so other
// threads (other runs, other llama.cpp work) are not affected.
thread_local quant_state * tls_state = nullptr;

struct cancelled_error : std::runtime_error {
    cancelled_error() : std::runtime_error("cancelled") {}
};

} // namespace

extern "C" void ck_quant_log(enum ggml_log_level level, const char * text, void * user_data) {
    ck_log_sink(level, text, user_data);
    quant_state * st = tls_state;
    if (st == nullptr || level != GGML_LOG_LEVEL_INFO || text[0] != '[') {
        return;
    }
    int i = 0, n = 0;
    if (std::sscanf(text, "[%d/%d]", &i, &n) != 2) {
        return;
    }
    // The header line is logged before the tensor's data is touched and
    // outside any worker thread: unwinding from here leaves llama.cpp's
    // own objects (output stream, model loader) to their destructors.
    if (!st->cancelled && __atomic_load_n(st->cancel, __ATOMIC_RELAXED) != 0) {
        st->cancelled = true;
        throw cancelled_error();
    }
    // llama_model_quantize logs this line before it decides the tensor's
    // type, and then reads params->only_copy for it (quantize_test.go
    // checks that order in the pinned source): a tensor named in copy is
    // written unchanged, the others are quantized as usual
    if (!st->copy.empty()) {
        st->params->only_copy = st->copy.count(tensor_name(text)) > 0;
    }
    if (st->progress != 0) {
        ckGoQuantProgress(st->progress, i - 1, n);
    }
}

extern "C" uint32_t ck_quantize(const char * inp, const char * out, struct llama_model_quantize_params * p,
                                const struct ck_quant_inputs * in, uintptr_t progress, int * cancel) {
    std::unordered_map<std::string, std::vector<float>> imatrix;
    std::vector<llama_model_kv_override> kv;
    std::vector<tensor_quantization> tensor_types;
    std::vector<int> prune;
    // a copy of the parameters, which the log hook may change between tensors
    llama_model_quantize_params params = *p;
    quant_state st{progress, cancel, false, &params, {}};
    try {
        for (int64_t i = 0; i < in->n_imatrix; ++i) {
            const float * v = in->imatrix_values[i];
            imatrix[in->imatrix_names[i]] = std::vector<float>(v, v + in->imatrix_sizes[i]);
        }
        if (in->n_imatrix > 0) {
            params.imatrix = &imatrix;
        }
        if (in->n_kv > 0) {
            kv.assign(in->kv, in->kv + in->n_kv);
            kv.emplace_back();
            std::memset(&kv.back(), 0, sizeof(kv.back())); // the loader stops at an empty key
            params.kv_overrides = &kv;
        }
        for (int64_t i = 0; i < in->n_tensor_types; ++i) {
            tensor_quantization tq;
            tq.name = in->tensor_type_patterns[i];
            tq.quant = (ggml_type) in->tensor_type_types[i];
            tensor_types.push_back(std::move(tq));
        }
        if (!tensor_types.empty()) {
            params.tensor_types = &tensor_types;
        }
        prune.assign(in->prune, in->prune + in->n_prune);
        if (!prune.empty()) {
            params.prune_layers = &prune;
        }
        for (int64_t i = 0; i < in->n_copy; ++i) {
            st.copy.insert(in->copy_names[i]);
        }
    } catch (const std::exception & e) {
        std::string msg = std::string("quantize: ") + e.what() + "\n";
        ck_log_sink(GGML_LOG_LEVEL_ERROR, msg.c_str(), nullptr);
        return 3;
    }
    tls_state = &st;
    uint32_t rc = llama_model_quantize(inp, out, &params);
    tls_state = nullptr;
    if (st.cancelled) {
        return 2;
    }
    return rc;
}

extern "C" size_t ck_quantize_rows(int32_t dst_type, int32_t src_type, const void * src, void * dst, int64_t nrows,
                                   int64_t n_per_row, const float * imatrix, float * scratch) {
    const auto dt = (enum ggml_type) dst_type;
    const auto stype = (enum ggml_type) src_type;
    const int64_t n = nrows * n_per_row;
    const float * f32 = scratch;
    // the conversions llama_model_quantize makes of its input
    if (stype == GGML_TYPE_F32) {
        f32 = (const float *) src;
    } else if (stype == GGML_TYPE_F16) {
        ggml_fp16_to_fp32_row((const ggml_fp16_t *) src, scratch, n);
    } else if (stype == GGML_TYPE_BF16) {
        ggml_bf16_to_fp32_row((const ggml_bf16_t *) src, scratch, n);
    } else {
        const struct ggml_type_traits * tr = ggml_get_type_traits(stype);
        if (!ggml_is_quantized(stype) || tr->to_float == nullptr) {
            return 0;
        }
        tr->to_float(src, scratch, n);
    }
    const size_t size = ggml_quantize_chunk(dt, f32, dst, 0, nrows, n_per_row, imatrix);
    if (!ggml_validate_row_data(dt, dst, size)) {
        return 0;
    }
    return size;
}

// ck_regex_check compiles pattern as llama-quant.cpp does (std::regex,
// ECMAScript) and returns 0, or 1 with the reason in err.
extern "C" int ck_regex_check(const char * pattern, char * err, size_t n) {
    try {
        std::regex re(pattern);
        (void) re;
        return 0;
    } catch (const std::exception & e) {
        std::snprintf(err, n, "%s", e.what());
        return 1;
    }
}

// ck_regex_search reports whether pattern (std::regex) is found in s, as
// llama-quant.cpp matches --tensor-type names: 1 or 0, -1 on a bad pattern.
extern "C" int ck_regex_search(const char * pattern, const char * s) {
    try {
        return std::regex_search(s, std::regex(pattern)) ? 1 : 0;
    } catch (const std::exception &) {
        return -1;
    }
}
