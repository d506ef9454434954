// A test fixture: the imatrix loading of llama.cpp's tools/quantize (as of
// the pinned llama.cpp, ec98e2002), rewritten as a small program that uses
// ggml's own GGUF parser and prints what llama-quantize would hand to
// llama_model_quantize, so that a Go test can check that our files load;
// and ("resave") llama-imatrix's --in-file loading and its two writers, so
// that a test can compare our files with theirs byte for byte.
//
// Output: "datasets N", one "dataset NAME" per dataset, "chunks N", then per
// entry in name order "entry NAME NVALUES" and one line of %a values.
// Exit status 1 with a message on stderr where llama-quantize would exit(1).

#include "ggml.h"
#include "gguf.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

// gguf.cpp references these for writing tensors from backend buffers; a
// reader never calls them.
extern "C" {
void ggml_backend_tensor_get(const struct ggml_tensor *, void *, size_t, size_t) { abort(); }
void ggml_backend_tensor_set(struct ggml_tensor *, const void *, size_t, size_t) { abort(); }
void ggml_backend_tensor_memset(struct ggml_tensor *, uint8_t, size_t, size_t) { abort(); }
}

static void fail(const char * msg, const std::string & what) {
    fprintf(stderr, "%s: %s\n", msg, what.c_str());
    exit(1);
}

static bool strip_suffix(std::string & s, const std::string & suffix) {
    if (s.size() < suffix.size() || s.compare(s.size() - suffix.size(), suffix.size(), suffix) != 0) {
        return false;
    }
    s.resize(s.size() - suffix.size());
    return true;
}

// The legacy reader: values divided by ncall when ncall > 0; the trailer
// (chunk count, dataset) read when the file goes on.
static int load_legacy(const char * path, std::vector<std::string> & datasets, std::map<std::string, std::vector<float>> & data) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot open", path);
    int n_entries = 0;
    in.read((char *) &n_entries, sizeof(n_entries));
    if (in.fail() || n_entries < 1) fail("no data in file", path);
    for (int i = 0; i < n_entries; ++i) {
        int len = 0;
        in.read((char *) &len, sizeof(len));
        std::vector<char> name(len + 1, 0);
        in.read(name.data(), len);
        if (in.fail()) fail("failed reading name", path);
        auto & e = data[std::string(name.data())];
        int ncall = 0, nval = 0;
        in.read((char *) &ncall, sizeof(ncall));
        in.read((char *) &nval, sizeof(nval));
        if (in.fail() || nval < 1) fail("failed reading number of values", path);
        e.resize(nval);
        in.read((char *) e.data(), nval * sizeof(float));
        if (in.fail()) fail("failed reading data", path);
        if (ncall > 0) {
            for (auto & v : e) v /= ncall;
        }
    }
    int last_call = 0;
    if (in.peek() != EOF) {
        in.read((char *) &last_call, sizeof(last_call));
        int dataset_len = 0;
        in.read((char *) &dataset_len, sizeof(dataset_len));
        std::vector<char> ds(dataset_len);
        in.read(ds.data(), dataset_len);
        datasets.assign(1, std::string(ds.begin(), ds.end()));
    }
    return last_call;
}

static int load(const char * path, std::vector<std::string> & datasets, std::map<std::string, std::vector<float>> & data) {
    struct ggml_context * ctx = nullptr;
    struct gguf_init_params params = { /*no_alloc*/ false, /*ctx*/ &ctx };
    struct gguf_context * g = gguf_init_from_file(path, params);
    if (!g) {
        return load_legacy(path, datasets, data);
    }
    if (gguf_get_n_tensors(g) < 1) fail("no data in file", path);
    const int64_t ds_idx = gguf_find_key(g, "imatrix.datasets");
    const int64_t cc_idx = gguf_find_key(g, "imatrix.chunk_count");
    const int64_t cs_idx = gguf_find_key(g, "imatrix.chunk_size");
    if (ds_idx < 0 || cc_idx < 0 || cs_idx < 0) fail("missing imatrix metadata in file", path);
    (void) gguf_get_val_u32(g, cs_idx); // aborts unless u32

    std::map<std::string, std::pair<struct ggml_tensor *, struct ggml_tensor *>> pairs;
    for (struct ggml_tensor * t = ggml_get_first_tensor(ctx); t; t = ggml_get_next_tensor(ctx, t)) {
        std::string name = t->name;
        if (name.empty()) continue;
        if (strip_suffix(name, ".in_sum2")) {
            pairs[name].first = t;
        } else if (strip_suffix(name, ".counts")) {
            pairs[name].second = t;
        }
    }
    for (const auto & p : pairs) {
        const struct ggml_tensor * sums = p.second.first;
        const struct ggml_tensor * counts = p.second.second;
        if (!sums || !counts) fail("mismatched sums and counts for", p.first);
        const int64_t ne0 = sums->ne[0], ne1 = sums->ne[1];
        auto & e = data[p.first];
        e.resize(ggml_nelements(sums));
        for (int64_t j = 0; j < ne1; ++j) {
            const float count = ((const float *) counts->data)[j];
            for (int64_t i = 0; i < ne0; ++i) {
                e[j * ne0 + i] = count > 0.0f ? ((const float *) sums->data)[j * ne0 + i] / count : 1;
            }
        }
    }
    const int last_chunk = gguf_get_val_u32(g, cc_idx); // aborts unless u32
    const int64_t n = gguf_get_arr_n(g, ds_idx);
    for (int64_t i = 0; i < n; ++i) {
        datasets.push_back(gguf_get_arr_str(g, ds_idx, i));
    }
    if (datasets.empty()) fail("empty imatrix.datasets (llama-quantize reads the first)", path);
    gguf_free(g);
    ggml_free(ctx);
    return last_chunk;
}

// The state llama-imatrix keeps per weight.
struct Stats {
    std::vector<float> activations, values;
    std::vector<int64_t> counts;
};

// resave loads a GGUF imatrix as llama-imatrix --in-file does and saves it
// again with llama-imatrix's GGUF and legacy writers: ggml's GGUF writer,
// names sorted, in_sum2 [ne0, n_mat], counts [1, n_mat], in_sum when
// present; the .dat values (sum/count)*ncall with ncall the largest count
// over the chunk size rounded up, 1 for experts without data.
static int resave(const char * in, const char * out_gguf, const char * out_dat) {
    struct ggml_context * ctx = nullptr;
    struct gguf_init_params params = { false, &ctx };
    struct gguf_context * g = gguf_init_from_file(in, params);
    if (!g) fail("not a GGUF file", in);
    std::vector<std::string> datasets;
    const int64_t ds_idx = gguf_find_key(g, "imatrix.datasets");
    for (int64_t i = 0; ds_idx >= 0 && i < gguf_get_arr_n(g, ds_idx); ++i) datasets.push_back(gguf_get_arr_str(g, ds_idx, i));
    const int32_t chunk_size = gguf_get_val_u32(g, gguf_find_key(g, "imatrix.chunk_size"));

    std::map<std::string, std::vector<struct ggml_tensor *>> by_name; // in_sum2, counts, in_sum
    for (struct ggml_tensor * t = ggml_get_first_tensor(ctx); t; t = ggml_get_next_tensor(ctx, t)) {
        std::string name = t->name;
        int slot = strip_suffix(name, ".in_sum2") ? 0 : strip_suffix(name, ".counts") ? 1 : strip_suffix(name, ".in_sum") ? 2 : -1;
        if (slot < 0) continue;
        by_name[name].resize(3, nullptr);
        by_name[name][slot] = t;
    }
    std::map<std::string, Stats> stats; // ordered: llama-imatrix sorts the names
    int64_t max_count = 0;
    for (const auto & p : by_name) {
        auto & e = stats[p.first];
        const int64_t nval = ggml_nelements(p.second[0]), ncounts = ggml_nelements(p.second[1]);
        e.values.assign((const float *) p.second[0]->data, (const float *) p.second[0]->data + nval);
        if (p.second[2]) e.activations.assign((const float *) p.second[2]->data, (const float *) p.second[2]->data + nval);
        for (int64_t j = 0; j < ncounts; ++j) {
            e.counts.push_back(std::lround(((const float *) p.second[1]->data)[j]));
            if (e.counts.back() > max_count) max_count = e.counts.back();
        }
    }
    const int32_t last_chunk = max_count / chunk_size;

    struct ggml_init_params ip = { 1024 * 1024 * 64, nullptr, false };
    struct ggml_context * octx = ggml_init(ip);
    struct gguf_context * og = gguf_init_empty();
    std::vector<const char *> ds;
    for (const auto & d : datasets) ds.push_back(d.c_str());
    gguf_set_val_str(og, "general.type", "imatrix");
    gguf_set_arr_str(og, "imatrix.datasets", ds.data(), ds.size());
    gguf_set_val_u32(og, "imatrix.chunk_count", last_chunk);
    gguf_set_val_u32(og, "imatrix.chunk_size", chunk_size);
    for (const auto & p : stats) {
        const auto & e = p.second;
        const int32_t nval = e.values.size(), nmat = e.counts.size();
        struct ggml_tensor * s2 = ggml_new_tensor_2d(octx, GGML_TYPE_F32, nval / nmat, nmat);
        struct ggml_tensor * c = ggml_new_tensor_2d(octx, GGML_TYPE_F32, 1, nmat);
        ggml_format_name(s2, "%s.in_sum2", p.first.c_str());
        ggml_format_name(c, "%s.counts", p.first.c_str());
        for (int32_t j = 0; j < nval; ++j) ((float *) s2->data)[j] = e.values[j];
        for (int32_t j = 0; j < nmat; ++j) ((float *) c->data)[j] = (float) e.counts[j];
        gguf_add_tensor(og, s2);
        gguf_add_tensor(og, c);
        if (!e.activations.empty()) {
            struct ggml_tensor * s = ggml_new_tensor_2d(octx, GGML_TYPE_F32, nval / nmat, nmat);
            ggml_format_name(s, "%s.in_sum", p.first.c_str());
            for (int32_t j = 0; j < nval; ++j) ((float *) s->data)[j] = e.activations[j];
            gguf_add_tensor(og, s);
        }
    }
    if (!gguf_write_to_file(og, out_gguf, false)) fail("cannot write", out_gguf);

    std::ofstream out(out_dat, std::ios::binary);
    int n_entries = 0;
    for (const auto & p : stats) {
        for (int64_t c : p.second.counts) if (c != 0) { n_entries++; break; }
    }
    out.write((const char *) &n_entries, sizeof(n_entries));
    for (const auto & p : stats) {
        const auto & e = p.second;
        int64_t mc = 0;
        for (int64_t c : e.counts) if (c > mc) mc = c;
        if (mc == 0) continue;
        const int32_t len = p.first.size();
        out.write((const char *) &len, sizeof(len));
        out.write(p.first.c_str(), len);
        const int32_t ncall = (mc + (chunk_size - 1)) / chunk_size;
        out.write((const char *) &ncall, sizeof(ncall));
        const int32_t nval = e.values.size(), nmat = e.counts.size();
        out.write((const char *) &nval, sizeof(nval));
        std::vector<float> tmp(nval);
        for (int32_t i = 0; i < nval; i++) {
            float count = (float) e.counts[i / (nval / nmat)];
            float value = e.values[i];
            if (count == 0.0f) { value = 1.0f; count = 1.0f; }
            tmp[i] = (value / count) * (float) ncall;
        }
        out.write((const char *) tmp.data(), nval * sizeof(float));
    }
    out.write((const char *) &last_chunk, sizeof(last_chunk));
    const std::string & last = datasets.empty() ? std::string() : datasets.back();
    const int32_t dlen = last.size();
    out.write((const char *) &dlen, sizeof(dlen));
    out.write(last.c_str(), dlen);
    return out.good() ? 0 : 1;
}

int main(int argc, char ** argv) {
    if (argc == 5 && strcmp(argv[1], "resave") == 0) {
        return resave(argv[2], argv[3], argv[4]);
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s IMATRIX | resave IN.gguf OUT.gguf OUT.dat\n", argv[0]);
        return 2;
    }
    std::vector<std::string> datasets;
    std::map<std::string, std::vector<float>> data;
    const int chunks = load(argv[1], datasets, data);
    printf("datasets %zu\n", datasets.size());
    for (const auto & d : datasets) printf("dataset %s\n", d.c_str());
    printf("chunks %d\n", chunks);
    for (const auto & e : data) {
        printf("entry %s %zu\n", e.first.c_str(), e.second.size());
        for (size_t i = 0; i < e.second.size(); ++i) printf(i ? " %a" : "%a", e.second[i]);
        printf("\n");
    }
    return 0;
}
