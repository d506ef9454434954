// Test fixture, written for calibkit: a stand-in for the two llama.cpp
// programs our imatrix files must work with, built on ggml's own GGUF code
// from the pinned llama.cpp (ec98e2002, vendored in the ollama module).
//
//   load_imatrix FILE
//       Reads FILE the way llama-quantize --imatrix reads it and prints what
//       it would hand to the quantizer:
//           datasets N
//           dataset NAME            (N lines)
//           chunks N
//           entry NAME NVALUES      (per weight, in name order)
//           V0 V1 ...               (the importance values, printed with %a)
//       Exits with status 1 and a message where llama-quantize gives up.
//
//   load_imatrix resave IN.gguf OUT.gguf OUT.dat
//       Reads IN.gguf the way llama-imatrix --in-file does (sums and counts
//       taken as they are, counts rounded to integers) and writes the result
//       in both of llama-imatrix's output formats, so that a test can compare
//       our writers with theirs byte for byte.
//
// The behaviour restated here, from reading llama.cpp's tools/quantize and
// tools/imatrix:
//   * A file that ggml cannot open as GGUF is taken as the legacy format.
//   * quantize, GGUF: needs at least one tensor, the keys imatrix.datasets,
//     imatrix.chunk_count and imatrix.chunk_size (a u32); pairs
//     "<w>.in_sum2" with "<w>.counts"; an importance value is in_sum2 divided
//     by its expert's count, or 1 for an expert whose count is not positive.
//   * quantize, legacy: int32 entry count (at least 1); per entry an int32
//     name length, the name, int32 ncall, int32 value count (at least 1) and
//     the float values, divided by ncall when ncall is positive; then, if the
//     file goes on, int32 chunk count, int32 length and the dataset name.
//   * imatrix writers: names sorted; GGUF keys general.type, datasets,
//     chunk_count (largest count over the chunk size), chunk_size; tensors
//     in_sum2 [cols, experts], counts [1, experts], then in_sum when the data
//     has it. Legacy: weights with no count at all are left out; ncall is the
//     largest count over the chunk size, rounded up; a value is
//     (sum / count) * ncall in float, with sum and count both taken as 1 for
//     an expert that saw nothing; then the chunk count and the last dataset.

#include "ggml.h"
#include "gguf.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

// gguf.cpp links against these backend helpers for tensors that live in
// backend buffers. Ours all live in plain ggml contexts, so they never run.
extern "C" {
void ggml_backend_tensor_get(const struct ggml_tensor *, void *, size_t, size_t) { abort(); }
void ggml_backend_tensor_set(struct ggml_tensor *, const void *, size_t, size_t) { abort(); }
void ggml_backend_tensor_memset(struct ggml_tensor *, uint8_t, size_t, size_t) { abort(); }
}

[[noreturn]] static void die(const std::string & why, const std::string & where) {
    fprintf(stderr, "load_imatrix: %s (%s)\n", why.c_str(), where.c_str());
    exit(1);
}

// What a reader hands on: the dataset names, the chunk count and, per
// weight, the importance values.
struct Loaded {
    std::vector<std::string> datasets;
    int chunks = 0;
    std::map<std::string, std::vector<float>> values;
};

// ---- legacy files -------------------------------------------------------

struct RawFile {
    FILE * f;
    const char * path;

    bool get(void * dst, size_t n) { return n == 0 || fread(dst, 1, n, f) == n; }
    int32_t get_i32(const char * what) {
        int32_t v = 0;
        if (!get(&v, sizeof v)) die(std::string("short read: ") + what, path);
        return v;
    }
    bool at_end() {
        const int c = fgetc(f);
        if (c == EOF) return true;
        ungetc(c, f);
        return false;
    }
};

static Loaded quantize_view_legacy(const char * path) {
    RawFile in{fopen(path, "rb"), path};
    if (!in.f) die("cannot open", path);
    Loaded out;
    const int32_t entries = in.get_i32("entry count");
    if (entries < 1) die("no data in file", path);
    for (int32_t k = 0; k < entries; ++k) {
        const int32_t name_len = in.get_i32("name length");
        if (name_len < 0) die("bad name length", path);
        std::string raw(name_len, '\0');
        if (!in.get(&raw[0], raw.size())) die("short read: name", path);
        const std::string name = raw.c_str(); // a C string: up to the first NUL
        const int32_t ncall = in.get_i32("ncall");
        const int32_t count = in.get_i32("value count");
        if (count < 1) die("bad value count", path);
        std::vector<float> vals(count);
        if (!in.get(vals.data(), vals.size() * sizeof(float))) die("short read: values", path);
        for (float & v : vals) {
            if (ncall > 0) v /= ncall;
        }
        out.values[name] = std::move(vals);
    }
    if (!in.at_end()) {
        out.chunks = in.get_i32("chunk count");
        const int32_t ds_len = in.get_i32("dataset length");
        std::string ds(ds_len > 0 ? ds_len : 0, '\0');
        if (!in.get(&ds[0], ds.size())) die("short read: dataset", path);
        out.datasets = {ds};
    }
    fclose(in.f);
    return out;
}

// ---- GGUF files -----------------------------------------------------------

struct GgufFile {
    gguf_context * meta = nullptr;
    ggml_context * data = nullptr;

    explicit GgufFile(const char * path) {
        gguf_init_params p;
        p.no_alloc = false; // the tensor data is needed
        p.ctx = &data;
        meta = gguf_init_from_file(path, p);
    }
    ~GgufFile() {
        if (meta) gguf_free(meta);
        if (data) ggml_free(data);
    }

    // The imatrix tensors grouped by weight: [0] in_sum2, [1] counts, [2] in_sum.
    std::map<std::string, std::vector<const ggml_tensor *>> by_weight() const {
        static const char * const suffixes[3] = {".in_sum2", ".counts", ".in_sum"};
        std::map<std::string, std::vector<const ggml_tensor *>> groups;
        for (ggml_tensor * t = ggml_get_first_tensor(data); t; t = ggml_get_next_tensor(data, t)) {
            const std::string full = t->name;
            for (int s = 0; s < 3; ++s) {
                const size_t n = strlen(suffixes[s]);
                if (full.size() >= n && full.compare(full.size() - n, n, suffixes[s]) == 0) {
                    auto & g = groups[full.substr(0, full.size() - n)];
                    g.resize(3, nullptr);
                    g[s] = t;
                    break; // ".in_sum2" is tried before ".in_sum"
                }
            }
        }
        return groups;
    }

    std::vector<std::string> datasets() const {
        std::vector<std::string> out;
        const int64_t key = gguf_find_key(meta, "imatrix.datasets");
        if (key < 0) return out;
        for (size_t i = 0; i < gguf_get_arr_n(meta, key); ++i) out.emplace_back(gguf_get_arr_str(meta, key, i));
        return out;
    }

    uint32_t u32(const char * key, const char * path) const {
        const int64_t id = gguf_find_key(meta, key);
        if (id < 0 || gguf_get_kv_type(meta, id) != GGUF_TYPE_UINT32) die(std::string(key) + " missing or not u32", path);
        return gguf_get_val_u32(meta, id);
    }
};

static const float * floats(const ggml_tensor * t) { return static_cast<const float *>(t->data); }

static Loaded quantize_view(const char * path) {
    GgufFile g(path);
    if (!g.meta) return quantize_view_legacy(path);
    if (gguf_get_n_tensors(g.meta) < 1) die("no data in file", path);
    for (const char * key : {"imatrix.datasets", "imatrix.chunk_count", "imatrix.chunk_size"}) {
        if (gguf_find_key(g.meta, key) < 0) die(std::string("missing imatrix metadata ") + key, path);
    }
    g.u32("imatrix.chunk_size", path);
    Loaded out;
    for (const auto & [name, parts] : g.by_weight()) {
        const ggml_tensor * sq = parts[0];
        const ggml_tensor * n = parts[1];
        if (!sq && !n) continue; // only an in_sum: the quantizer does not look at it
        if (!sq || !n) die("mismatched sums and counts", name);
        const int64_t cols = sq->ne[0];
        std::vector<float> & vals = out.values[name];
        vals.assign(ggml_nelements(sq), 0.0f);
        for (int64_t x = 0; x < sq->ne[1]; ++x) {
            const float c = floats(n)[x];
            for (int64_t col = 0; col < cols; ++col) {
                vals[x * cols + col] = c > 0.0f ? floats(sq)[x * cols + col] / c : 1.0f;
            }
        }
    }
    out.chunks = (int) g.u32("imatrix.chunk_count", path);
    out.datasets = g.datasets();
    if (out.datasets.empty()) die("empty imatrix.datasets (llama-quantize prints the first)", path);
    return out;
}

// ---- llama-imatrix's round trip ----------------------------------------------

struct Weight {
    std::vector<float> sq, act; // in_sum2, in_sum (maybe empty)
    std::vector<int64_t> n;      // one count per expert
};

static void put_i32(FILE * f, int32_t v) { fwrite(&v, sizeof v, 1, f); }

static int resave(const char * in_path, const char * gguf_path, const char * dat_path) {
    GgufFile g(in_path);
    if (!g.meta) die("not a GGUF file", in_path);
    const std::vector<std::string> datasets = g.datasets();
    const int32_t chunk_size = (int32_t) g.u32("imatrix.chunk_size", in_path);

    std::map<std::string, Weight> table; // ordered by name, as llama-imatrix sorts
    int64_t largest = 0;
    for (const auto & [name, parts] : g.by_weight()) {
        if (!parts[0] || !parts[1]) die("mismatched sums and counts", name);
        Weight & w = table[name];
        w.sq.assign(floats(parts[0]), floats(parts[0]) + ggml_nelements(parts[0]));
        if (parts[2]) w.act.assign(floats(parts[2]), floats(parts[2]) + ggml_nelements(parts[2]));
        for (int64_t x = 0; x < ggml_nelements(parts[1]); ++x) {
            w.n.push_back(std::lround(floats(parts[1])[x]));
            largest = std::max(largest, w.n.back());
        }
    }
    const int32_t chunks = (int32_t) (largest / chunk_size);

    // GGUF, through ggml's writer.
    size_t need = 0;
    for (const auto & [name, w] : table) {
        need += 3 * ggml_tensor_overhead() + (2 * w.sq.size() + w.n.size()) * sizeof(float) + 3 * GGML_MEM_ALIGN;
    }
    ggml_init_params ip = {need, nullptr, false};
    ggml_context * tensors = ggml_init(ip);
    gguf_context * meta = gguf_init_empty();
    std::vector<const char *> ds;
    for (const std::string & d : datasets) ds.push_back(d.c_str());
    gguf_set_val_str(meta, "general.type", "imatrix");
    gguf_set_arr_str(meta, "imatrix.datasets", ds.data(), ds.size());
    gguf_set_val_u32(meta, "imatrix.chunk_count", (uint32_t) chunks);
    gguf_set_val_u32(meta, "imatrix.chunk_size", (uint32_t) chunk_size);
    auto add = [&](const std::string & name, int64_t ne0, int64_t ne1, const float * src) {
        ggml_tensor * t = ggml_new_tensor_2d(tensors, GGML_TYPE_F32, ne0, ne1);
        ggml_set_name(t, name.c_str());
        memcpy(t->data, src, ggml_nbytes(t));
        gguf_add_tensor(meta, t);
    };
    for (const auto & [name, w] : table) {
        const int64_t experts = (int64_t) w.n.size();
        const int64_t cols = (int64_t) w.sq.size() / experts;
        std::vector<float> counts(w.n.begin(), w.n.end());
        add(name + ".in_sum2", cols, experts, w.sq.data());
        add(name + ".counts", 1, experts, counts.data());
        if (!w.act.empty()) add(name + ".in_sum", cols, experts, w.act.data());
    }
    if (!gguf_write_to_file(meta, gguf_path, false)) die("cannot write", gguf_path);
    gguf_free(meta);
    ggml_free(tensors);

    // Legacy .dat.
    FILE * f = fopen(dat_path, "wb");
    if (!f) die("cannot write", dat_path);
    std::vector<const std::string *> kept;
    for (const auto & [name, w] : table) {
        for (int64_t c : w.n) {
            if (c != 0) { kept.push_back(&name); break; }
        }
    }
    put_i32(f, (int32_t) kept.size());
    for (const std::string * name : kept) {
        const Weight & w = table.at(*name);
        int64_t most = 0;
        for (int64_t c : w.n) most = std::max(most, c);
        const int32_t ncall = (int32_t) ((most + chunk_size - 1) / chunk_size);
        const size_t cols = w.sq.size() / w.n.size();
        std::vector<float> scaled;
        scaled.reserve(w.sq.size());
        for (size_t x = 0; x < w.n.size(); ++x) {
            const bool empty = w.n[x] == 0;
            const float denom = empty ? 1.0f : (float) w.n[x];
            for (size_t col = 0; col < cols; ++col) {
                const float num = empty ? 1.0f : w.sq[x * cols + col];
                scaled.push_back((num / denom) * (float) ncall);
            }
        }
        put_i32(f, (int32_t) name->size());
        fwrite(name->data(), 1, name->size(), f);
        put_i32(f, ncall);
        put_i32(f, (int32_t) scaled.size());
        fwrite(scaled.data(), sizeof(float), scaled.size(), f);
    }
    put_i32(f, chunks);
    const std::string last = datasets.empty() ? std::string() : datasets.back();
    put_i32(f, (int32_t) last.size());
    fwrite(last.data(), 1, last.size(), f);
    const bool ok = !ferror(f);
    return fclose(f) == 0 && ok ? 0 : 1;
}

int main(int argc, char ** argv) {
    if (argc == 5 && strcmp(argv[1], "resave") == 0) {
        return resave(argv[2], argv[3], argv[4]);
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s IMATRIX | resave IN.gguf OUT.gguf OUT.dat\n", argv[0]);
        return 2;
    }
    const Loaded l = quantize_view(argv[1]);
    printf("datasets %zu\n", l.datasets.size());
    for (const std::string & d : l.datasets) printf("dataset %s\n", d.c_str());
    printf("chunks %d\n", l.chunks);
    for (const auto & [name, vals] : l.values) {
        printf("entry %s %zu\n", name.c_str(), vals.size());
        for (size_t i = 0; i < vals.size(); ++i) printf(i ? " %a" : "%a", vals[i]);
        printf("\n");
    }
    return 0;
}
