package quantize

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/filehash"
	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/manifest"
)

// typesOf returns the output's tensor types by name.
func typesOf(t *testing.T, path string) map[string]string {
	t.Helper()
	r, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m := map[string]string{}
	for _, ti := range r.Tensors {
		m[ti.Name] = ti.Type.String()
	}
	return m
}

func TestRunVariants(t *testing.T) {
	in := testModel(t, "wide")
	dir := t.TempDir()
	im := writeImatrix(t, fakeImatrix(t, in, 1), filepath.Join(dir, "im.gguf"), imatrix.FormatGGUF)
	for _, c := range []struct {
		v             Variant
		output, embed string
	}{
		{VariantM, "Q6_K", "Q4_K"}, // llama.cpp's choices for Q4_K_M
		{VariantL, "Q8_0", "Q8_0"},
		{VariantFP16, "F16", "F16"},
	} {
		t.Run(c.v.Name, func(t *testing.T) {
			out := filepath.Join(dir, c.v.Name+".gguf")
			var last Progress
			res, err := Run(context.Background(), c.v.Apply(Options{Input: in, Output: out, Threads: 2, Imatrix: im,
				Progress: func(p Progress) { last = p }, Command: []string{"test"}}))
			if err != nil {
				t.Fatal(err)
			}
			if want, _ := filehash.HashFile(context.Background(), out); len(res.OutputSHA256) != 1 || res.OutputSHA256[0] != want.SHA256 {
				t.Errorf("output sha256 %v, the file's %s", res.OutputSHA256, want.SHA256)
			}
			types := typesOf(t, out)
			if types["output.weight"] != c.output || types["token_embd.weight"] != c.embed {
				t.Errorf("output.weight %s, token_embd.weight %s; want %s, %s", types["output.weight"], types["token_embd.weight"], c.output, c.embed)
			}
			// Q4_K_M on 2 layers: use_more_bits gives both layers' attn_v and ffn_down Q6_K
			for _, n := range []string{"blk.0.attn_q.weight", "blk.1.ffn_up.weight"} {
				if types[n] != "Q4_K" {
					t.Errorf("%s: %s, want Q4_K", n, types[n])
				}
			}
			if types["blk.0.attn_norm.weight"] != "F32" {
				t.Errorf("norm: %s, want F32", types["blk.0.attn_norm.weight"])
			}
			if last.Done != last.Total || last.Total != len(types) {
				t.Errorf("last progress %+v, want %d/%d", last, len(types), len(types))
			}
			if len(res.Tensors) != len(types) || res.BitsPerWeight <= 4 || res.BitsPerWeight >= res.InputBitsPerWeight {
				t.Errorf("result: %d tensors, %.2f bpw (input %.2f)", len(res.Tensors), res.BitsPerWeight, res.InputBitsPerWeight)
			}
			r, err := gguf.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if s, _ := r.String(KeyImatrixFile); s != im {
				t.Errorf("%s = %q, want %q", KeyImatrixFile, s, im)
			}
			if s, _ := r.String(KeyImatrixDataset); s != "fake.txt" {
				t.Errorf("%s = %q", KeyImatrixDataset, s)
			}
			if n, _ := r.Uint(KeyImatrixEntries); n != uint64(res.Imatrix.Entries) || n == 0 {
				t.Errorf("%s = %d, want %d", KeyImatrixEntries, n, res.Imatrix.Entries)
			}
			if n, _ := r.Uint(KeyImatrixChunks); n != 3 {
				t.Errorf("%s = %d, want 3", KeyImatrixChunks, n)
			}
			mf, err := manifest.Read(manifest.Path(out))
			if err != nil {
				t.Fatal(err)
			}
			if len(mf.Inputs) != 2 || mf.Inputs[0].SHA256 != res.InputSHA256 || mf.Inputs[1].SHA256 != res.Imatrix.SHA256 {
				t.Errorf("manifest inputs %+v", mf.Inputs)
			}
			if mf.Parameters["type"] != "Q4_K_M" || mf.Extra["tensors"] == nil {
				t.Errorf("manifest parameters %v", mf.Parameters)
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp*"))
			if len(leftovers) > 0 {
				t.Errorf("temporary files left: %v", leftovers)
			}
		})
	}
}

func TestRunFallbacksAndOverrides(t *testing.T) {
	in := testModel(t, "odd")
	out := filepath.Join(t.TempDir(), "o.gguf")
	_, err := Run(context.Background(), Options{Input: in, Output: out, Type: "q4_k_m", Threads: 1,
		TensorTypes: []string{"ATTN_Q=q8_0"}})
	if err != nil {
		t.Fatal(err)
	}
	types := typesOf(t, out)
	for name, want := range map[string]string{
		"blk.0.attn_k.weight":    "Q5_0", // 320 is not a multiple of 256: Q4_K falls back to Q5_0
		"blk.0.ffn_down.weight":  "F16",  // 488 fits neither 256 nor 32
		"blk.0.attn_q.weight":    "Q8_0", // the override comes first (llama-quantize's order), and Q8_0 fits
		"output.weight":          "Q8_0", // not a multiple of 256
		"blk.0.attn_norm.weight": "F32",
	} {
		if types[name] != want {
			t.Errorf("%s: %s, want %s", name, types[name], want)
		}
	}
	wide := testModel(t, "wide")
	out2 := filepath.Join(t.TempDir(), "w.gguf")
	if _, err := Run(context.Background(), Options{Input: wide, Output: out2, Type: "Q4_K_M", Threads: 1,
		TensorTypes: []string{"attn_q=q8_0", "blk\\.1\\.attn_q=f16"}, Pure: false}); err != nil {
		t.Fatal(err)
	}
	types = typesOf(t, out2)
	if types["blk.0.attn_q.weight"] != "Q8_0" || types["blk.1.attn_q.weight"] != "Q8_0" {
		t.Errorf("--tensor-type: blk.0.attn_q %s, blk.1.attn_q %s; want Q8_0, Q8_0 (the first pattern that changes the type wins)", types["blk.0.attn_q.weight"], types["blk.1.attn_q.weight"])
	}
	out3 := filepath.Join(t.TempDir(), "p.gguf")
	if _, err := Run(context.Background(), Options{Input: wide, Output: out3, Type: "Q4_K_M", Threads: 1, Pure: true, LeaveOutputTensor: true}); err != nil {
		t.Fatal(err)
	}
	types = typesOf(t, out3)
	if types["blk.0.attn_v.weight"] != "Q4_K" || types["output.weight"] != "F16" || types["token_embd.weight"] != "Q4_K" {
		t.Errorf("--pure --leave-output-tensor: attn_v %s, output %s, token_embd %s", types["blk.0.attn_v.weight"], types["output.weight"], types["token_embd.weight"])
	}
}

func TestRunRefusals(t *testing.T) {
	wide := testModel(t, "wide")
	tiny := testModel(t, "tiny")
	dir := t.TempDir()
	notGGUF := filepath.Join(dir, "text.gguf")
	os.WriteFile(notGGUF, []byte("hello, this is not a model\n"), 0o644)
	b, _ := os.ReadFile(tiny)
	trunc := filepath.Join(dir, "trunc.gguf")
	os.WriteFile(trunc, b[:len(b)-1000], 0o644)
	link := filepath.Join(dir, "link.gguf")
	os.Symlink(wide, link)
	tinyIm := writeImatrix(t, fakeImatrix(t, tiny, 2), filepath.Join(dir, "tiny-im.gguf"), imatrix.FormatGGUF)
	wideD := fakeImatrix(t, wide, 3)
	wideD.Entries = wideD.Entries[1:] // drops blk.0.attn_k.weight, the first by name
	partial := writeImatrix(t, wideD, filepath.Join(dir, "partial.gguf"), imatrix.FormatGGUF)

	for _, c := range []struct {
		name  string
		opts  Options
		want  string
		usage bool
	}{
		{"not gguf", Options{Input: notGGUF, Type: "Q8_0"}, "not a readable GGUF", false},
		{"truncated", Options{Input: trunc, Type: "Q8_0"}, "truncated", false},
		{"missing", Options{Input: filepath.Join(dir, "none.gguf"), Type: "Q8_0"}, "no such file", false},
		{"unknown type", Options{Input: wide, Type: "Q4_K_Z"}, "--list-types", true},
		{"out is in", Options{Input: wide, Output: wide, Type: "Q8_0"}, "is the input model", true},
		{"out links to in", Options{Input: wide, Output: link, Type: "Q8_0"}, "is the input model", true},
		{"bad output type", Options{Input: wide, Type: "Q8_0", OutputTensorType: "q9_9"}, "--output-tensor-type", true},
		{"needs imatrix", Options{Input: wide, Type: "IQ2_XXS"}, "IQ2_XXS needs an importance matrix", false},
		{"override needs imatrix", Options{Input: wide, Type: "Q8_0", TensorTypes: []string{"ffn_up=iq2_xs"}}, "--tensor-type ffn_up=iq2_xs gives blk.0.ffn_up.weight of", false},
		{"imatrix of another model", Options{Input: wide, Type: "Q4_K_M", Imatrix: tinyIm}, "entry blk.0.attn_k.weight holds 64 values but the weight (256×128) needs 256", false},
		{"imatrix missing an entry", Options{Input: wide, Type: "Q4_K_M", Imatrix: partial}, "no entry for weight blk.0.attn_k.weight", false},
		{"no fallback for q8_0", Options{Input: testModel(t, "odd"), Type: "Q8_0"}, "blk.0.ffn_down.weight of", false},
		{"pure on odd rows", Options{Input: testModel(t, "odd"), Type: "Q4_K_M", Pure: true}, "with --pure", false},
		{"output type on odd rows", Options{Input: testModel(t, "odd"), Type: "Q4_K_M", OutputTensorType: "q4_k"}, "--output-tensor-type has no fallback", false},
		{"override without fallback", Options{Input: testModel(t, "ff172"), Type: "Q8_0", TensorTypes: []string{"ffn_down=q4_0"}}, "rows of 172 values, which q4_0 (blocks of 32) cannot hold, and llama-quantize has no fallback type for it (--tensor-type ffn_down=q4_0)", false},
		{"q4_0 on rows of 172", Options{Input: testModel(t, "ff172"), Type: "Q4_0"}, "blk.0.ffn_down.weight of", false},
		{"include and exclude", Options{Input: wide, Type: "Q4_K_M", Imatrix: partial, IncludeWeights: []string{"a"}, ExcludeWeights: []string{"b"}}, "cannot be used together", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.opts.Output == "" {
				c.opts.Output = filepath.Join(dir, "out.gguf")
			}
			c.opts.Threads = 1
			_, err := Run(context.Background(), c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) || IsUsage(err) != c.usage {
				t.Fatalf("error %v (usage %v), want one mentioning %q (usage %v)", err, IsUsage(err), c.want, c.usage)
			}
			if _, err := os.Stat(filepath.Join(dir, "out.gguf")); err == nil {
				t.Error("an output was left")
			}
		})
	}
	// the partial imatrix is accepted when asked to, as llama-quantize accepts it
	out := filepath.Join(dir, "partial-ok.gguf")
	res, err := Run(context.Background(), Options{Input: wide, Output: out, Type: "Q4_K_M", Imatrix: partial, AllowMissingImatrix: true, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imatrix.Entries != len(wideD.Entries) {
		t.Errorf("entries %d, want %d", res.Imatrix.Entries, len(wideD.Entries))
	}
}

func TestRunCancel(t *testing.T) {
	in := testModel(t, "wide")
	dir := t.TempDir()
	out := filepath.Join(dir, "c.gguf")
	ctx, cancel := context.WithCancel(context.Background())
	_, err := Run(ctx, Options{Input: in, Output: out, Type: "Q4_K_M", Threads: 1, Progress: func(p Progress) {
		if p.Done == 3 {
			cancel()
		}
	}})
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want a cancellation", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("files left after cancelling: %v", ents)
	}
}

func TestRunKeepSplitAndCopy(t *testing.T) {
	in := testModel(t, "tiny")
	dir := t.TempDir()
	res, err := Run(context.Background(), Options{Input: in, Output: filepath.Join(dir, "k.gguf"), Type: "Q8_0", KeepSplit: true, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "k-00001-of-00001.gguf")
	if len(res.Outputs) != 1 || res.Outputs[0] != want {
		t.Fatalf("outputs %v, want %s", res.Outputs, want)
	}
	if typesOf(t, want)["blk.0.attn_q.weight"] != "Q8_0" {
		t.Error("keep-split output not quantized")
	}
	res, err = Run(context.Background(), Options{Input: in, Output: filepath.Join(dir, "copy.gguf"), Type: "COPY", Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.OutputDataBytes != res.InputDataBytes {
		t.Errorf("COPY changed the data: %d → %d bytes", res.InputDataBytes, res.OutputDataBytes)
	}
}

func TestHashInputReusesHFBlobName(t *testing.T) {
	dir := t.TempDir()
	sum := strings.Repeat("ab", 32)
	blobs := filepath.Join(dir, "models--x--y", "blobs")
	snap := filepath.Join(dir, "models--x--y", "snapshots", "main")
	os.MkdirAll(blobs, 0o755)
	os.MkdirAll(snap, 0o755)
	os.WriteFile(filepath.Join(blobs, sum), []byte("model bytes"), 0o644)
	link := filepath.Join(snap, "model.gguf")
	os.Symlink(filepath.Join("..", "..", "blobs", sum), link)
	in, how, err := hashInput(context.Background(), link)
	if err != nil || in.SHA256 != sum || how != "huggingface-cache-blob-name" || in.Bytes != 11 {
		t.Errorf("hashInput(HF link) = %+v, %s, %v", in, how, err)
	}
	plain := filepath.Join(dir, "plain.gguf")
	os.WriteFile(plain, []byte("model bytes"), 0o644)
	in, how, err = hashInput(context.Background(), plain)
	if err != nil || how != "hashed" || in.SHA256 == sum || len(in.SHA256) != 64 {
		t.Errorf("hashInput(context.Background(), plain) = %+v, %s, %v", in, how, err)
	}
}

func TestRunMixtureOfExperts(t *testing.T) {
	in := testModel(t, "moe")
	dir := t.TempDir()
	d := fakeImatrix(t, in, 4)
	im := writeImatrix(t, d, filepath.Join(dir, "moe-im.gguf"), imatrix.FormatGGUF)
	out := filepath.Join(dir, "moe.gguf")
	res, err := Run(context.Background(), Options{Input: in, Output: out, Type: "Q4_K_M", Imatrix: im, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	types := typesOf(t, out)
	if types["blk.0.ffn_up_exps.weight"] != "Q4_K" || types["blk.0.ffn_gate_inp.weight"] != "F32" {
		t.Errorf("experts %s, router %s", types["blk.0.ffn_up_exps.weight"], types["blk.0.ffn_gate_inp.weight"])
	}
	if res.Imatrix.Entries != len(d.Entries) {
		t.Errorf("entries %d, want %d", res.Imatrix.Entries, len(d.Entries))
	}
	// an imatrix whose expert entries hold one matrix only is refused
	for _, e := range d.Entries {
		if e.NMat() > 1 {
			e.Sums, e.Counts = e.Sums[:e.Cols], e.Counts[:1]
		}
	}
	bad := writeImatrix(t, d, filepath.Join(dir, "moe-dense-im.gguf"), imatrix.FormatGGUF)
	_, err = Run(context.Background(), Options{Input: in, Output: filepath.Join(dir, "bad.gguf"), Type: "Q4_K_M", Imatrix: bad, Threads: 1})
	if err == nil || !strings.Contains(err.Error(), "needs 1024 (ne0 × experts)") {
		t.Errorf("dense imatrix for a MoE model: %v", err)
	}
}

// TestRunOverridesFirst is the reported case: feed-forward rows of 172
// values fit no quantized type, and --tensor-type ffn_down=f16 must be
// applied before the check (and before llama.cpp's mixture, which stops on
// q4_0), as llama-quantize applies it. The pinned llama.cpp copies
// ffn_down, and calibkit converts it to F16 itself.
func TestRunOverridesFirst(t *testing.T) {
	in := testModel(t, "ff172")
	dir := t.TempDir()
	im := writeImatrix(t, fakeImatrix(t, in, 5), filepath.Join(dir, "im.gguf"), imatrix.FormatGGUF)
	v := Variant{Name: "q4_0-ffn16", Type: "Q4_0", TokenEmbeddingType: "q8_0", TensorTypes: []string{"ffn_down=f16", `blk\.1\.attn_v=q8_0`}}
	for _, withIm := range []string{"", im} {
		out := filepath.Join(dir, "o.gguf")
		res, err := Run(context.Background(), v.Apply(Options{Input: in, Output: out, Imatrix: withIm, Threads: 2}))
		if err != nil {
			t.Fatalf("imatrix %q: %v", withIm, err)
		}
		types := typesOf(t, out)
		for name, want := range map[string]string{
			"blk.0.ffn_down.weight": "F16", "blk.1.ffn_down.weight": "F16", // spliced: F32 → F16
			"blk.1.attn_v.weight": "Q8_0", // spliced: the other attn_v is left to the mixture
			"blk.0.attn_v.weight": "Q4_0", "blk.0.ffn_up.weight": "Q4_0",
			"token_embd.weight": "Q8_0", "output.weight": "Q6_K", "blk.0.attn_norm.weight": "F32",
		} {
			if types[name] != want {
				t.Errorf("imatrix %q: %s is %s, want %s", withIm, name, types[name], want)
			}
		}
		if res.TypeCounts["F16"] != 2 || len(res.Tensors) != len(types) {
			t.Errorf("result: %v, %d tensors", res.TypeCounts, len(res.Tensors))
		}
		// F32 → F16 is exact to read back: the spliced data are the input's
		r, err := gguf.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Float32s("blk.1.ffn_down.weight")
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		ri, _ := gguf.Open(in)
		src, _ := ri.Float32s("blk.1.ffn_down.weight")
		ri.Close()
		for i := range src {
			if gguf.HalfToFloat32(gguf.Float32ToHalf(src[i])) != got[i] {
				t.Fatalf("blk.1.ffn_down.weight[%d] = %v, want %v in F16", i, got[i], src[i])
			}
		}
		leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
		if len(leftovers) > 0 {
			t.Errorf("temporary files left: %v", leftovers)
		}
	}
	// cancelled once llama.cpp is done: the splice stops, nothing is left
	ctx, cancel := context.WithCancel(context.Background())
	out := filepath.Join(dir, "c.gguf")
	_, err := Run(ctx, v.Apply(Options{Input: in, Output: out, Threads: 1, Progress: func(p Progress) {
		if p.Done == p.Total-1 {
			cancel() // at the last tensor: llama.cpp finishes the file
		}
	}}))
	if !errors.Is(err, ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want a cancellation", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a cancelled run left its output")
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".*")); len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}
