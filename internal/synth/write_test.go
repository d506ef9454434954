package synth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/gguf"
)

func writeBytes(t testing.TB, o Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, o); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWriteDeterministic(t *testing.T) {
	for _, typ := range []string{TypeF32, TypeF16} {
		o := Default()
		o.Type = typ
		a, b := writeBytes(t, o), writeBytes(t, o)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two writes with the same options differ", typ)
		}
		o.Seed++
		if c := writeBytes(t, o); bytes.Equal(a, c) || len(a) != len(c) {
			t.Errorf("%s: another seed gives the same bytes or another size", typ)
		}
	}
}

// wantTensors lists, independently of plan, what llama.cpp's loader
// creates for LLM_ARCH_LLAMA (llama-model.cpp): name and shape, ne0 first.
func wantTensors(o Options) map[string][]uint64 {
	e, v, f := uint64(o.Embd), uint64(o.VocabSize), uint64(o.FF)
	kv := uint64(o.Embd / o.Heads * o.KVHeads)
	m := map[string][]uint64{
		"token_embd.weight":  {e, v},
		"output_norm.weight": {e},
		"output.weight":      {e, v},
	}
	for i := 0; i < o.Layers; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		m[p+"attn_norm.weight"] = []uint64{e}
		m[p+"attn_q.weight"] = []uint64{e, e}
		m[p+"attn_k.weight"] = []uint64{e, kv}
		m[p+"attn_v.weight"] = []uint64{e, kv}
		m[p+"attn_output.weight"] = []uint64{e, e}
		m[p+"ffn_norm.weight"] = []uint64{e}
		if o.Experts == 0 {
			m[p+"ffn_gate.weight"] = []uint64{e, f}
			m[p+"ffn_up.weight"] = []uint64{e, f}
			m[p+"ffn_down.weight"] = []uint64{f, e}
			continue
		}
		x := uint64(o.Experts)
		m[p+"ffn_gate_inp.weight"] = []uint64{e, x}
		m[p+"ffn_gate_exps.weight"] = []uint64{e, f, x}
		m[p+"ffn_up_exps.weight"] = []uint64{e, f, x}
		m[p+"ffn_down_exps.weight"] = []uint64{f, e, x}
	}
	return m
}

func TestReadBack(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Options)
	}{
		{"spm dense f32", func(o *Options) {}},
		{"bpe dense f16", func(o *Options) { o.Vocab, o.Type = VocabBPE, TypeF16 }},
		{"spm moe f16", func(o *Options) { o.Experts, o.ExpertsUsed, o.Type = 4, 2, TypeF16 }},
		{"bpe moe 3 layers", func(o *Options) { o.Vocab, o.Layers, o.Experts, o.ExpertsUsed = VocabBPE, 3, 8, 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Default()
			tt.change(&o)
			path := filepath.Join(t.TempDir(), "m.gguf")
			if err := WriteFile(path, o); err != nil {
				t.Fatal(err)
			}
			r, err := gguf.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()

			wantU := map[string]uint64{
				"general.file_type":             uint64(o.FileType()),
				"llama.context_length":          uint64(o.Ctx),
				"llama.embedding_length":        uint64(o.Embd),
				"llama.block_count":             uint64(o.Layers),
				"llama.feed_forward_length":     uint64(o.FF),
				"llama.attention.head_count":    uint64(o.Heads),
				"llama.attention.head_count_kv": uint64(o.KVHeads),
				"llama.rope.dimension_count":    uint64(o.Embd / o.Heads),
				"llama.vocab_size":              uint64(o.VocabSize),
				"tokenizer.ggml.bos_token_id":   map[string]uint64{VocabSPM: 1, VocabBPE: uint64(o.VocabSize - 2)}[o.Vocab],
				"tokenizer.ggml.eos_token_id":   map[string]uint64{VocabSPM: 2, VocabBPE: uint64(o.VocabSize - 1)}[o.Vocab],
			}
			if o.Experts > 0 {
				wantU["llama.expert_count"] = uint64(o.Experts)
				wantU["llama.expert_used_count"] = uint64(o.ExpertsUsed)
			} else if _, ok := r.Value("llama.expert_count"); ok {
				t.Error("dense model has llama.expert_count")
			}
			for k, want := range wantU {
				if got, err := r.Uint(k); err != nil || got != want {
					t.Errorf("%s = %d (%v), want %d", k, got, err, want)
				}
			}
			wantS := map[string]string{
				"general.architecture": "llama",
				"tokenizer.ggml.model": map[string]string{VocabSPM: "llama", VocabBPE: "gpt2"}[o.Vocab],
			}
			for k, want := range wantS {
				if got, err := r.String(k); err != nil || got != want {
					t.Errorf("%s = %q (%v), want %q", k, got, err, want)
				}
			}
			if v, _ := r.Value("llama.attention.layer_norm_rms_epsilon"); v != float32(1e-5) {
				t.Errorf("rms epsilon = %v, want float32 1e-5", v)
			}
			if v, _ := r.Value("tokenizer.ggml.add_bos_token"); v != true {
				t.Errorf("add_bos_token = %v, want true", v)
			}
			toks, err := r.Strings("tokenizer.ggml.tokens")
			if err != nil || len(toks) != o.VocabSize {
				t.Errorf("tokens: %d (%v), want %d", len(toks), err, o.VocabSize)
			}
			types, _ := r.Value("tokenizer.ggml.token_type")
			if tt, ok := types.([]int32); !ok || len(tt) != o.VocabSize {
				t.Errorf("token_type is %T of %d, want []int32 of %d", types, len(tt), o.VocabSize)
			}
			_, hasScores := r.Value("tokenizer.ggml.scores")
			_, hasMerges := r.Value("tokenizer.ggml.merges")
			if hasScores != (o.Vocab == VocabSPM) || hasMerges != (o.Vocab == VocabBPE) {
				t.Errorf("scores present %v, merges present %v for %s", hasScores, hasMerges, o.Vocab)
			}

			want := wantTensors(o)
			if len(r.Tensors) != len(want) || o.TensorCount() != len(want) {
				t.Errorf("%d tensors (TensorCount %d), want %d", len(r.Tensors), o.TensorCount(), len(want))
			}
			var data, params int64
			for _, ti := range r.Tensors {
				n, err := ti.Size()
				if err != nil {
					t.Fatal(err)
				}
				data += int64(n)
				params += int64(ti.NumElements())
			}
			if data != o.DataBytes() || params != o.ParamCount() {
				t.Errorf("file holds %d data bytes and %d parameters; DataBytes %d, ParamCount %d", data, params, o.DataBytes(), o.ParamCount())
			}
			for _, ti := range r.Tensors {
				shape, ok := want[ti.Name]
				if !ok {
					t.Errorf("unexpected tensor %s", ti.Name)
					continue
				}
				if !slices.Equal(ti.Shape, shape) {
					t.Errorf("%s shape %v, want %v", ti.Name, ti.Shape, shape)
				}
				wantType := gguf.TensorF32
				if o.Type == TypeF16 && len(shape) > 1 && !strings.HasSuffix(ti.Name, ".ffn_gate_inp.weight") {
					wantType = gguf.TensorF16
				}
				if ti.Type != wantType {
					t.Errorf("%s type %v, want %v", ti.Name, ti.Type, wantType)
				}
			}
			checkValues(t, r, o)
		})
	}
}

// checkValues checks the distribution of a few tensors: norms near 1,
// matrices centred with the planned standard deviation, nothing non-finite.
func checkValues(t *testing.T, r *gguf.Reader, o Options) {
	t.Helper()
	stats := func(name string) (mean, std, lo, hi float64) {
		v, err := r.Float32s(name)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi = math.Inf(1), math.Inf(-1)
		var s, s2 float64
		for _, x := range v {
			f := float64(x)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				t.Fatalf("%s holds %v", name, x)
			}
			s += f
			s2 += f * f
			lo, hi = min(lo, f), max(hi, f)
		}
		n := float64(len(v))
		mean = s / n
		return mean, math.Sqrt(s2/n - mean*mean), lo, hi
	}
	for _, name := range []string{"blk.0.attn_norm.weight", "output_norm.weight"} {
		if _, std, lo, hi := stats(name); lo < 1-normNoise || hi > 1+normNoise || std < normNoise/4 {
			t.Errorf("%s in [%g, %g] std %g, want within 1±%g and not constant", name, lo, hi, std, normNoise)
		}
	}
	for name, wantStd := range map[string]float64{
		"token_embd.weight":   1,
		"output.weight":       1 / math.Sqrt(float64(o.Embd)),
		"blk.0.attn_q.weight": 1 / math.Sqrt(float64(o.Embd)),
	} {
		mean, std, _, _ := stats(name)
		if math.Abs(mean) > 0.05*wantStd || math.Abs(std-wantStd) > 0.05*wantStd {
			t.Errorf("%s mean %g std %g, want 0 and %g", name, mean, std, wantStd)
		}
	}
}

func TestF16IsRoundedF32(t *testing.T) {
	dir := t.TempDir()
	o := Default()
	o.Experts, o.ExpertsUsed = 4, 2
	f32, f16 := filepath.Join(dir, "f32.gguf"), filepath.Join(dir, "f16.gguf")
	if err := WriteFile(f32, o); err != nil {
		t.Fatal(err)
	}
	o.Type = TypeF16
	if err := WriteFile(f16, o); err != nil {
		t.Fatal(err)
	}
	a, err := gguf.Open(f32)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := gguf.Open(f16)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, ti := range a.Tensors {
		va, err := a.Float32s(ti.Name)
		if err != nil {
			t.Fatal(err)
		}
		vb, err := b.Float32s(ti.Name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range va {
			if want := gguf.HalfToFloat32(gguf.Float32ToHalf(va[i])); vb[i] != want {
				bt, _ := b.Tensor(ti.Name)
				if bt.Type == gguf.TensorF32 && vb[i] == va[i] {
					continue
				}
				t.Fatalf("%s[%d] = %g in the F16 model, want %g (F32 %g rounded)", ti.Name, i, vb[i], want, va[i])
			}
		}
	}
}

func TestWriteFileErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.gguf")

	bad := Default()
	bad.Heads = 5
	if err := WriteFile(path, bad); err == nil {
		t.Error("WriteFile with 5 heads for 64 dims succeeded")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := WriteFileContext(ctx, path, Default()); !errors.Is(err, context.Canceled) {
		t.Errorf("WriteFileContext with a cancelled context = %v, want context.Canceled", err)
	}

	if err := WriteFile(filepath.Join(dir, "missing", "m.gguf"), Default()); err == nil {
		t.Error("WriteFile into a missing folder succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed writes left %v behind", entries)
	}

	if err := Write(failWriter{}, Default()); err == nil {
		t.Error("Write to a writer that fails succeeded")
	}
}

type failWriter struct{}

func (failWriter) Write(p []byte) (int, error) { return 0, io.ErrShortWrite }

func TestMetadataOrderStable(t *testing.T) {
	v, err := BuildVocab(VocabSPM, 2048)
	if err != nil {
		t.Fatal(err)
	}
	a, b := metadata(Default(), v), metadata(Default(), v)
	if !reflect.DeepEqual(a, b) {
		t.Error("metadata differs between calls")
	}
}

func BenchmarkWrite(b *testing.B) {
	configs := map[string]Options{
		"default": Default(),
		"100M": func() Options {
			o := Default()
			o.Layers, o.Embd, o.FF, o.Heads, o.KVHeads, o.VocabSize = 12, 768, 2048, 12, 12, 8000
			return o
		}(),
	}
	for _, name := range []string{"default", "100M"} {
		o := configs[name]
		b.Run(name, func(b *testing.B) {
			var cw countWriter
			for b.Loop() {
				cw = 0
				if err := Write(&cw, o); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(cw))
		})
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// TestGoldenDigest pins the bytes of two models, so that a change to the
// sample, the vocabulary builders, the generator or the writer that alters
// existing models is noticed. If the change is intended, update the digests
// and say so in the commit: models made by earlier versions will differ.
func TestGoldenDigest(t *testing.T) {
	bpeMoE := Default()
	bpeMoE.Vocab, bpeMoE.Experts, bpeMoE.ExpertsUsed, bpeMoE.Type, bpeMoE.Seed = VocabBPE, 4, 2, TypeF16, 7
	for _, tt := range []struct {
		name string
		o    Options
		want string
	}{
		{"default", Default(), "0af60f30219a3a667ad7f3d63cac62c6b30cefb8fcfcb078c9c45c89624d7016"},
		{"bpe moe f16 seed 7", bpeMoE, "3f2eb729da1f70f147277056c58765d58da0b7c324f2645e255855db0dbab345"},
	} {
		sum := sha256.Sum256(writeBytes(t, tt.o))
		if got := hex.EncodeToString(sum[:]); got != tt.want {
			t.Errorf("%s: sha256 %s, want %s", tt.name, got, tt.want)
		}
	}
}
