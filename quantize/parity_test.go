package quantize

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/llamacpptest"
)

// computeImatrix computes an importance matrix of the model on the
// synthesizer's sample text with calibkit's collector, as `calibkit
// imatrix -c 128` does.
func computeImatrix(t *testing.T, model, out string) string {
	t.Helper()
	m, err := llama.LoadModel(model, llama.ModelParams{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	text, err := os.ReadFile(filepath.Join("..", "internal", "synth", "sample.txt"))
	if err != nil {
		t.Fatal(err)
	}
	c := imatrix.NewCollector(imatrix.CollectorOptions{ChunkSize: 128})
	if _, err := imatrix.Compute(context.Background(), m, c, string(text), imatrix.ComputeOptions{NCtx: 128, Threads: 2, NoPPL: true}); err != nil {
		t.Fatal(err)
	}
	if err := imatrix.WriteFile(out, c.Data("sample.txt"), imatrix.FormatForPath(out)); err != nil {
		t.Fatal(err)
	}
	return out
}

// parityCase is one quantization run by both tools.
type parityCase struct {
	name  string
	flags []string // llama-quantize flags before IN OUT TYPE
	typ   string
	opts  func(*Options)
	// imatrixOnly: the type needs an importance matrix
	imatrixOnly bool
}

var parityCases = []parityCase{
	{name: "Q8_0", typ: "Q8_0"},
	{name: "Q4_K_M", typ: "Q4_K_M"},
	{name: "L", typ: "Q4_K_M", flags: []string{"--output-tensor-type", "q8_0", "--token-embedding-type", "q8_0"},
		opts: func(o *Options) { *o = VariantL.Apply(*o) }},
	{name: "fp16", typ: "Q4_K_M", flags: []string{"--output-tensor-type", "f16", "--token-embedding-type", "f16"},
		opts: func(o *Options) { *o = VariantFP16.Apply(*o) }},
	{name: "IQ4_XS", typ: "IQ4_XS"},
	{name: "tensor-type", typ: "Q4_K_S", flags: []string{"--tensor-type", "attn_v=q8_0", "--tensor-type", "ffn_down=q5_k"},
		opts: func(o *Options) { o.TensorTypes = []string{"attn_v=q8_0", "ffn_down=q5_k"} }},
	{name: "pure", typ: "Q4_K_M", flags: []string{"--pure", "--leave-output-tensor"},
		opts: func(o *Options) { o.Pure, o.LeaveOutputTensor = true, true }},
	// two overrides matching one tensor: the first that changes the type
	// wins (llama-quantize's rule; the pinned llama.cpp alone would take
	// the last match)
	{name: "override-order", typ: "Q4_K_M", flags: []string{"--tensor-type", "attn=q8_0", "--tensor-type", "attn_q=f16"},
		opts: func(o *Options) { o.TensorTypes = []string{"attn=q8_0", "attn_q=f16"} }},
	// Q3_K rows that are no multiple of 256 fall back to IQ4_NL (pinned) or Q4_0 (newer)
	{name: "Q3_K_S", typ: "Q3_K_S"},
	{name: "IQ2_XS", typ: "IQ2_XS", imatrixOnly: true},
}

// overrideCases put overrides on the ff172 model, whose feed-forward rows
// of 172 values fit no quantized type (F16 is their fallback): calibkit
// must apply each override first, as llama-quantize does, where the pinned
// llama.cpp alone would stop ("Unsupported tensor size") or ignore it.
var overrideCases = []parityCase{
	{name: "Q4_0-ffn_down-f16", typ: "Q4_0", flags: []string{"--tensor-type", "ffn_down=f16"},
		opts: func(o *Options) { o.TensorTypes = []string{"ffn_down=f16"} }},
	{name: "Q4_K_M-ffn_down-f16", typ: "Q4_K_M", flags: []string{"--tensor-type", "ffn_down=f16"},
		opts: func(o *Options) { o.TensorTypes = []string{"ffn_down=f16"} }},
	{name: "Q4_K_M-flags", typ: "Q4_K_M", flags: []string{"--tensor-type", "ffn_down=f16", "--output-tensor-type", "q8_0", "--token-embedding-type", "f16"},
		opts: func(o *Options) {
			o.TensorTypes, o.OutputTensorType, o.TokenEmbeddingType = []string{"ffn_down=f16"}, "q8_0", "f16"
		}},
	{name: "IQ4_XS-flags", typ: "IQ4_XS", flags: []string{"--tensor-type", "ffn_down=f16", "--output-tensor-type", "f16", "--token-embedding-type", "q8_0"},
		opts: func(o *Options) {
			o.TensorTypes, o.OutputTensorType, o.TokenEmbeddingType = []string{"ffn_down=f16"}, "f16", "q8_0"
		}},
	{name: "IQ2_XS", typ: "IQ2_XS", imatrixOnly: true, flags: []string{"--tensor-type", "ffn_down=f16", "--tensor-type", "ffn_gate=iq3_xxs"},
		opts: func(o *Options) { o.TensorTypes = []string{"ffn_down=f16", "ffn_gate=iq3_xxs"} }},
	// an override whose type does not fit takes llama-quantize's fallback
	// (q4_K: Q5_0, then F16 for 172), and iq3_xxs needs an imatrix there
	{name: "fallback", typ: "Q5_K_M", flags: []string{"--tensor-type", "ffn_down=q4_k", "--tensor-type", "attn_v=iq3_xxs"},
		opts: func(o *Options) { o.TensorTypes = []string{"ffn_down=q4_k", "attn_v=iq3_xxs"} }},
	// one attn_v of two: llama-quantize does not count it in the mixture,
	// so the other gets the first one's type
	{name: "one-layer", typ: "Q4_K_M", flags: []string{"--tensor-type", `blk\.0\.attn_v=q8_0`, "--tensor-type", "ffn_down=bf16"},
		opts: func(o *Options) { o.TensorTypes = []string{`blk\.0\.attn_v=q8_0`, "ffn_down=bf16"} }},
	// refused by both: q4_0 has no fallback for 172; --pure ignores
	// --tensor-type (and llama-quantize aborts on q4_0)
	{name: "no-fallback", typ: "Q8_0", flags: []string{"--tensor-type", "ffn_down=q4_0"},
		opts: func(o *Options) { o.TensorTypes = []string{"ffn_down=q4_0"} }},
	{name: "pure", typ: "Q4_0", flags: []string{"--pure", "--tensor-type", "ffn_down=f16"},
		opts: func(o *Options) { o.Pure, o.TensorTypes = true, []string{"ffn_down=f16"} }},
}

// moeCases run on the mixture-of-experts model: Q4_K_M, and overrides on
// one layer's experts (calibkit quantizes those itself, expert by expert
// with each expert's importance data).
var moeCases = []parityCase{
	parityCases[1],
	{name: "experts", typ: "Q4_K_M", flags: []string{"--tensor-type", `blk\.0\.ffn_down_exps=q8_0`, "--tensor-type", `blk\.1\.ffn_up_exps=iq4_nl`},
		opts: func(o *Options) { o.TensorTypes = []string{`blk\.0\.ffn_down_exps=q8_0`, `blk\.1\.ffn_up_exps=iq4_nl`} }},
}

// TestParityWithLlamaQuantize quantizes synthesized models with calibkit
// and with llama.cpp's own llama-quantize, with and without an importance
// matrix computed by calibkit, and compares the outputs tensor by tensor:
// the same type for every tensor and the same bytes wherever the type is
// the same, and the same metadata (quantize.imatrix.* included). The known
// differences between the pinned llama.cpp and the newer tool are listed in
// knownDiffs (docs/quantize.md says where they come from) and checked to be
// exactly those.
func TestParityWithLlamaQuantize(t *testing.T) {
	exe := llamacpptest.Tool(t, "llama-quantize")
	dir := t.TempDir()
	models := []struct {
		name, imatrix string
		cases         []parityCase
	}{
		{"wide", "wide.imatrix.gguf", parityCases},
		{"odd", "odd.imatrix.dat", parityCases},
		{"moe", "moe.imatrix.gguf", moeCases}, // per-expert imatrix entries
		{"ff172", "ff172.imatrix.gguf", overrideCases},
	}
	for _, pm := range models {
		model, in := pm.name, testModel(t, pm.name)
		imPath := computeImatrix(t, in, filepath.Join(dir, pm.imatrix))
		for _, withIm := range []bool{false, true} {
			for _, c := range pm.cases {
				if c.imatrixOnly && !withIm {
					continue
				}
				name := model + "/" + c.name
				im := ""
				if withIm {
					name += "/imatrix"
					im = imPath
				}
				t.Run(name, func(t *testing.T) {
					ck := filepath.Join(dir, strings.ReplaceAll(name, "/", "-")+".ck.gguf")
					lq := filepath.Join(dir, strings.ReplaceAll(name, "/", "-")+".lq.gguf")
					args := append([]string{}, c.flags...)
					if im != "" {
						args = append(args, "--imatrix", im)
					}
					args = append(args, in, lq, c.typ, "2")
					lqOut, lqErr := exec.Command(exe, args...).CombinedOutput()
					o := Options{Input: in, Output: ck, Type: c.typ, Threads: 2, Imatrix: im}
					if c.opts != nil {
						c.opts(&o)
					}
					_, err := Run(context.Background(), o)
					if lqErr != nil {
						// llama-quantize refuses (or crashes on) this input: calibkit
						// must refuse it too, before writing anything
						if err == nil {
							t.Fatalf("llama-quantize %v failed (%v) but calibkit quantized it\n%s", args, lqErr, tail(lqOut))
						}
						if _, serr := os.Stat(ck); serr == nil {
							t.Errorf("calibkit left %s after refusing", ck)
						}
						t.Logf("both refuse: llama-quantize %v; calibkit: %v", lqErr, err)
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					d, err := gguf.Compare(ck, lq)
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("%s", d)
					wantTypes := knownTypeDiffs[name]
					if strings.Join(d.TypeDiffs, "; ") != strings.Join(wantTypes, "; ") {
						t.Errorf("tensor types differ from llama-quantize: %v, want exactly %v", d.TypeDiffs, wantTypes)
					}
					for _, td := range d.DataDiffs {
						if !contractedKernel(td, im != "") {
							t.Errorf("tensor data differ from llama-quantize for %s", td)
						}
					}
					if !fpContracted() && len(d.DataDiffs) > 0 {
						t.Errorf("built without FP contraction, yet the data differ for %v", d.DataDiffs)
					}
					if len(d.KVDiffs) > 0 {
						t.Errorf("metadata differ from llama-quantize: %v", d.KVDiffs)
					}
					if len(d.TypeDiffs)+len(d.DataDiffs)+len(d.KVDiffs) == 0 {
						// the same tensors and keys: the same file, layout and padding included
						a, _ := os.ReadFile(ck)
						b, _ := os.ReadFile(lq)
						if !bytes.Equal(a, b) {
							t.Errorf("the same tensors and metadata, yet %s and %s differ", ck, lq)
						}
					}
					if im != "" {
						// llama-quantize read calibkit's imatrix and wrote the same keys
						r, err := gguf.Open(lq)
						if err != nil {
							t.Fatal(err)
						}
						defer r.Close()
						for _, k := range []string{KeyImatrixFile, KeyImatrixDataset, KeyImatrixEntries, KeyImatrixChunks} {
							if _, ok := r.Value(k); !ok {
								t.Errorf("llama-quantize's output lacks %s", k)
							}
						}
					}
				})
			}
		}
	}
}

// knownTypeDiffs lists, per parity case, the tensors whose type the pinned
// llama.cpp (ec98e2002, calibkit) and the May 2026 llama-quantize choose
// differently, as "name: calibkit vs llama-quantize" (docs/quantize.md
// traces each to the newer llama-quant.cpp). Overrides are not among them:
// calibkit decides those tensors' types as llama-quantize does (assign.go).
var knownTypeDiffs = map[string][]string{
	// the mixture's fallback of q2_K and q3_K for rows that are no multiple
	// of 256: IQ4_NL in the pinned version, Q4_0 in the newer
	"odd/Q3_K_S":         q3KFallback,
	"odd/Q3_K_S/imatrix": q3KFallback,
	"odd/IQ2_XS/imatrix": {"token_embd.weight: IQ4_NL vs Q4_0", "blk.0.attn_v.weight: IQ4_NL vs Q4_0", "blk.1.attn_v.weight: IQ4_NL vs Q4_0"},
}

// contractedKernel reports whether a data difference ("name (TYPE)") is
// one that FP contraction explains: calibkit compiles ggml-quants.c with
// CGO_CFLAGS (-march=native: FMA, fused by GCC by default), llama.cpp's
// CMake compiles it into ggml-base for baseline x86-64 (no FMA). Q8_0,
// F16 and F32 round the same either way, and so do Q4_0/Q4_1/Q5_0/Q5_1
// without an importance matrix (their reference kernels); the weighted
// searches of k-quants, i-quants and weighted legacy quants do not.
func contractedKernel(diff string, withImatrix bool) bool {
	if !fpContracted() {
		return false
	}
	_, typ, _ := strings.Cut(strings.TrimSuffix(diff, ")"), " (")
	switch typ {
	case "Q8_0", "F16", "F32", "BF16":
		return false
	case "Q4_0", "Q4_1", "Q5_0", "Q5_1":
		return withImatrix
	}
	return true
}

// fpContracted reports whether this binary's C code was built with
// floating-point contraction into FMA: CGO_CFLAGS target a CPU with FMA
// (-march=native on an FMA machine, -mfma) without -ffp-contract=off.
func fpContracted() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return true
	}
	flags := ""
	for _, s := range bi.Settings {
		if s.Key == "CGO_CFLAGS" {
			flags = s.Value
		}
	}
	if strings.Contains(flags, "-ffp-contract=off") {
		return false
	}
	return strings.Contains(flags, "-march=native") || strings.Contains(flags, "-mfma") || strings.Contains(flags, "-march=haswell")
}

// tail returns the last lines of a tool's output.
func tail(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], "\n")
}

// q3KFallback is what the q2_K/q3_K fallback change moves in the odd model
// with Q3_K_S, with or without an imatrix.
var q3KFallback = []string{
	"token_embd.weight: IQ4_NL vs Q4_0",
	"blk.0.attn_k.weight: IQ4_NL vs Q4_0",
	"blk.0.attn_output.weight: IQ4_NL vs Q4_0",
	"blk.0.attn_q.weight: IQ4_NL vs Q4_0",
	"blk.0.attn_v.weight: IQ4_NL vs Q4_0",
	"blk.0.ffn_gate.weight: IQ4_NL vs Q4_0",
	"blk.0.ffn_up.weight: IQ4_NL vs Q4_0",
	"blk.1.attn_k.weight: IQ4_NL vs Q4_0",
	"blk.1.attn_output.weight: IQ4_NL vs Q4_0",
	"blk.1.attn_q.weight: IQ4_NL vs Q4_0",
	"blk.1.attn_v.weight: IQ4_NL vs Q4_0",
	"blk.1.ffn_gate.weight: IQ4_NL vs Q4_0",
	"blk.1.ffn_up.weight: IQ4_NL vs Q4_0",
}
