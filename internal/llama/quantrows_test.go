package llama

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

func tensorBytes(t *testing.T, r *gguf.Reader, ti gguf.TensorInfo) []byte {
	t.Helper()
	sr, err := r.TensorData(ti)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(sr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func typeNamed(t *testing.T, name string) GGMLType {
	for _, ty := range GGMLTypes() {
		if ty.String() == name {
			return ty
		}
	}
	t.Fatalf("no ggml type %s", name)
	return 0
}

// TestQuantizeTensorMatchesQuantize quantizes every weight of a model
// with QuantizeTensor (3 threads) and checks each against what
// llama_model_quantize (1 thread, --pure) writes for it: the same bytes,
// from f32 and f16 inputs, with and without an importance matrix, for a
// legacy, a k-quant and an i-quant type.
func TestQuantizeTensorMatchesQuantize(t *testing.T) {
	wide := synth.Default()
	wide.Embd, wide.FF, wide.VocabSize, wide.Type = 256, 512, 512, synth.TypeF16
	models := map[string]string{"tiny": tinyModel(t), "wide16": synthtest.Model(t, "wide16", wide)}
	for _, c := range []struct {
		model   string
		ftype   FileType
		to      GGMLType
		imatrix bool
	}{
		{"tiny", FtypeQ8_0, TypeQ8_0, false},
		{"tiny", FtypeQ4_0, TypeQ4_0, true},
		{"wide16", FtypeQ4_K_M, TypeQ4_K, true},
		{"wide16", FtypeIQ4_XS, typeNamed(t, "iq4_xs"), true},
		{"wide16", FtypeQ6_K, TypeQ6_K, false},
	} {
		t.Run(c.model+"/"+c.to.String(), func(t *testing.T) {
			in := models[c.model]
			r, err := gguf.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rng := rand.New(rand.NewPCG(uint64(c.ftype), 1))
			var im map[string][]float32
			if c.imatrix {
				im = map[string][]float32{}
				for _, ti := range r.Tensors {
					if len(ti.Shape) == 2 {
						v := make([]float32, ti.Shape[0])
						for i := range v {
							v[i] = float32(rng.ExpFloat64())
						}
						im[ti.Name] = v
					}
				}
			}
			out := filepath.Join(t.TempDir(), "q.gguf")
			if err := Quantize(context.Background(), in, out, QuantizeParams{FileType: c.ftype, Threads: 1, Pure: true, Imatrix: im}); err != nil {
				t.Fatal(err)
			}
			q, err := gguf.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer q.Close()
			n := 0
			for _, ti := range r.Tensors {
				qi, _ := q.Tensor(ti.Name)
				if GGMLType(qi.Type) != c.to {
					continue // norms; the output and embedding take another type
				}
				got, err := QuantizeTensor(context.Background(), TensorQuant{Name: ti.Name, From: GGMLType(ti.Type), To: c.to,
					Shape: [3]int64{int64(ti.Shape[0]), int64(ti.Shape[1]), 1}, Data: tensorBytes(t, r, ti), Imatrix: im[ti.Name]}, 3)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, tensorBytes(t, q, qi)) {
					t.Errorf("%s as %v: QuantizeTensor's bytes differ from llama_model_quantize's", ti.Name, c.to)
				}
				n++
			}
			if n < 8 {
				t.Errorf("only %d tensors compared", n)
			}
		})
	}
}

func TestQuantizeTensorErrors(t *testing.T) {
	f32 := make([]byte, 4*64*2)
	for _, c := range []struct {
		name string
		q    TensorQuant
		want string
	}{
		{"rows do not fit", TensorQuant{From: TypeF32, To: TypeQ4_K, Shape: [3]int64{64, 2, 1}, Data: f32}, "or q4_K (blocks of 256)"},
		{"short data", TensorQuant{From: TypeF32, To: TypeQ8_0, Shape: [3]int64{64, 3, 1}, Data: f32}, "want 768"},
		{"bad imatrix", TensorQuant{From: TypeF32, To: TypeQ8_0, Shape: [3]int64{64, 2, 1}, Data: f32, Imatrix: make([]float32, 63)}, "want 64"},
		{"bad shape", TensorQuant{From: TypeF32, To: TypeQ8_0, Shape: [3]int64{64, 0, 1}, Data: f32}, "bad shape"},
		{"not convertible", TensorQuant{From: typeNamed(t, "i32"), To: TypeQ8_0, Shape: [3]int64{64, 1, 1}, Data: make([]byte, 256)}, "cannot be converted"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.q.Name = "w"
			if _, err := QuantizeTensor(context.Background(), c.q, 2); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := QuantizeTensor(ctx, TensorQuant{Name: "w", From: TypeF32, To: TypeQ8_0, Shape: [3]int64{64, 2, 1}, Data: f32}, 1); err == nil {
		t.Error("a cancelled context quantized")
	}
}

// TestQuantizeCopyTensors: the tensors named in CopyTensors keep their
// input type and bytes, the others are quantized as without it.
func TestQuantizeCopyTensors(t *testing.T) {
	in := tinyModel(t)
	dir := t.TempDir()
	plain, copied := filepath.Join(dir, "plain.gguf"), filepath.Join(dir, "copy.gguf")
	keep := []string{"blk.0.ffn_down.weight", "token_embd.weight"}
	if err := Quantize(context.Background(), in, plain, QuantizeParams{FileType: FtypeQ8_0, Threads: 1}); err != nil {
		t.Fatal(err)
	}
	if err := Quantize(context.Background(), in, copied, QuantizeParams{FileType: FtypeQ8_0, Threads: 1, CopyTensors: keep}); err != nil {
		t.Fatal(err)
	}
	ri, _ := gguf.Open(in)
	rp, _ := gguf.Open(plain)
	rc, err := gguf.Open(copied)
	if err != nil {
		t.Fatal(err)
	}
	defer ri.Close()
	defer rp.Close()
	defer rc.Close()
	for _, tc := range rc.Tensors {
		want := rp
		if tc.Name == keep[0] || tc.Name == keep[1] {
			want = ri
		}
		tw, _ := want.Tensor(tc.Name)
		if tc.Type != tw.Type || !bytes.Equal(tensorBytes(t, rc, tc), tensorBytes(t, want, tw)) {
			t.Errorf("%s: %v, want %v from %s", tc.Name, tc.Type, tw.Type, want.Path)
		}
	}
}

// TestQuantizeHookOrder checks, in the pinned llama-quant.cpp, what the
// log hook's only_copy relies on: each tensor's "[ i/ n]" line is logged
// before only_copy is read for that tensor.
func TestQuantizeHookOrder(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(moduleDir(t), "llama", "llama.cpp", "src", "llama-quant.cpp"))
	if err != nil {
		t.Fatal(err)
	}
	src := string(b)
	line := strings.Index(src, `LLAMA_LOG_INFO("[%4d/%4d] %36s - [%s], type = %6s, "`)
	read := strings.Index(src, "quantize &= !params->only_copy;")
	decide := strings.Index(src, "new_type = default_type;")
	if line < 0 || read < 0 || decide < 0 || !(line < read && read < decide) {
		t.Fatalf("llama-quant.cpp no longer logs a tensor's line (at %d) before it reads only_copy (%d) and decides its type (%d): update quantize.cpp's hook", line, read, decide)
	}
}
