package llama

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/gguf"
)

// TestTensorQuantizationMirror checks that the pinned llama-quant.cpp still
// defines the struct that quantize.cpp mirrors for params->tensor_types.
func TestTensorQuantizationMirror(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(moduleDir(t), "llama", "llama.cpp", "src", "llama-quant.cpp"))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`struct tensor_quantization \{\s*std::string name;\s*ggml_type quant = GGML_TYPE_COUNT;\s*\};`)
	if !re.Match(b) {
		t.Fatal("llama-quant.cpp no longer defines struct tensor_quantization { std::string name; ggml_type quant; }: update quantize.cpp")
	}
	for _, cast := range []string{
		"static_cast<const std::unordered_map<std::string, std::vector<float>>*>(params->imatrix)",
		"(std::vector<llama_model_kv_override>*)params->kv_overrides",
		"*static_cast<const std::vector<tensor_quantization> *>(params->tensor_types)",
		"*static_cast<const std::vector<int> *>(params->prune_layers)",
	} {
		if !strings.Contains(string(b), cast) {
			t.Errorf("llama-quant.cpp no longer casts %q: update quantize.cpp", cast)
		}
	}
}

func TestGGMLTypes(t *testing.T) {
	names := map[string]GGMLType{}
	for _, ty := range GGMLTypes() {
		names[ty.String()] = ty
	}
	for name, want := range map[string]GGMLType{"f32": TypeF32, "f16": TypeF16, "q8_0": TypeQ8_0, "q4_K": TypeQ4_K, "q6_K": TypeQ6_K, "bf16": TypeBF16} {
		if names[name] != want {
			t.Errorf("type %s = %d, want %d", name, names[name], want)
		}
	}
	if _, ok := names["DEPRECATED"]; ok {
		t.Error("GGMLTypes lists a removed type")
	}
	if TypeQ4_K.BlockSize() != 256 || TypeQ4_K.TypeSize() != 144 {
		t.Errorf("q4_K block %d/%d bytes, want 256/144", TypeQ4_K.BlockSize(), TypeQ4_K.TypeSize())
	}
}

func TestQuantizeQ8(t *testing.T) {
	in := tinyModel(t)
	out := filepath.Join(t.TempDir(), "q8.gguf")
	var calls, total int
	f16 := TypeF16
	err := Quantize(context.Background(), in, out, QuantizeParams{
		FileType: FtypeQ8_0, Threads: 1, TokenEmbeddingType: &f16,
		TensorTypes: []TensorType{{Pattern: "ffn_down", Type: TypeQ4_0}},
		KVOverrides: []KVOverride{{Key: "calibkit.test", Value: "yes"}, {Key: "calibkit.n", Value: int64(-7)}},
		Progress:    func(done, n int) { calls++; total = n },
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if calls != len(r.Tensors) || total != len(r.Tensors) {
		t.Errorf("progress called %d times with total %d, want %d", calls, total, len(r.Tensors))
	}
	if s, _ := r.String("calibkit.test"); s != "yes" {
		t.Errorf("override calibkit.test = %q", s)
	}
	if n, _ := r.Uint("calibkit.n"); n != 7 {
		t.Errorf("override calibkit.n = %d, want 7 (llama.cpp writes |int| as u32)", n)
	}
	for _, ti := range r.Tensors {
		want := gguf.TensorQ8_0
		switch {
		case len(ti.Shape) < 2 || strings.Contains(ti.Name, "_norm"):
			want = gguf.TensorF32
		case ti.Name == "token_embd.weight":
			want = gguf.TensorF16
		case strings.Contains(ti.Name, "ffn_down"):
			want = gguf.TensorQ4_0
		}
		if ti.Type != want {
			t.Errorf("%s: type %v, want %v", ti.Name, ti.Type, want)
		}
	}
}

func TestQuantizeErrors(t *testing.T) {
	in := tinyModel(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.gguf")
	os.WriteFile(bad, []byte("GGUF\x03\x00\x00\x00garbage"), 0o644)
	if err := Quantize(context.Background(), bad, filepath.Join(dir, "o.gguf"), QuantizeParams{FileType: FtypeQ8_0, Threads: 1}); err == nil || !strings.Contains(err.Error(), "llama.cpp") {
		t.Errorf("bad input: %v, want llama.cpp's message", err)
	}
	// IQ2_XXS without an importance matrix is refused by llama.cpp itself
	err := Quantize(context.Background(), in, filepath.Join(dir, "iq.gguf"), QuantizeParams{FileType: FtypeIQ2_XXS, Threads: 1, Pure: true})
	if err == nil || !strings.Contains(err.Error(), "importance matrix") {
		t.Errorf("IQ2_XXS without imatrix: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err = Quantize(ctx, in, filepath.Join(dir, "c.gguf"), QuantizeParams{FileType: FtypeQ8_0, Threads: 1,
		Progress: func(done, total int) {
			n++
			if done == 2 {
				cancel()
			}
		}})
	if !errors.Is(err, ErrQuantizeCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	if n != 3 {
		t.Errorf("progress called %d times after cancelling at tensor 3, want 3", n)
	}
	// the binding still works after a cancelled run
	if err := Quantize(context.Background(), in, filepath.Join(dir, "ok.gguf"), QuantizeParams{FileType: FtypeQ8_0, Threads: 1}); err != nil {
		t.Fatal(err)
	}
}
