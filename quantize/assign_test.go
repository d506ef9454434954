package quantize

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/llama"
)

// shapeModel is a llama model's tensor table without data: layers blocks,
// rows of embd values (ffn_down: ff), in type typ (norms F32).
func shapeModel(embd, ff uint64, layers int, typ gguf.TensorType) *model {
	m := &model{Paths: []string{"m.gguf"}, Arch: "llama"}
	add := func(name string, shape ...uint64) {
		ty := typ
		if len(shape) == 1 {
			ty = gguf.TensorF32
		}
		m.Tensors = append(m.Tensors, tensor{Name: name, Shape: shape, Type: ty})
	}
	add("token_embd.weight", embd, 512)
	add("output.weight", embd, 512)
	add("output_norm.weight", embd)
	for i := range layers {
		b := fmt.Sprintf("blk.%d.", i)
		add(b+"attn_norm.weight", embd)
		add(b+"attn_q.weight", embd, embd)
		add(b+"attn_k.weight", embd, embd/2)
		add(b+"attn_v.weight", embd, embd/2)
		add(b+"attn_output.weight", embd, embd)
		add(b+"ffn_norm.weight", embd)
		add(b+"ffn_gate.weight", embd, ff)
		add(b+"ffn_up.weight", embd, ff)
		add(b+"ffn_down.weight", ff, embd)
	}
	sort.Slice(m.Tensors, func(i, j int) bool { return m.Tensors[i].Name < m.Tensors[j].Name })
	return m
}

// decide runs the checks of Run that need no file, in Run's order.
func decide(m *model, p *plan) error {
	if err := assignOverrides(m, p); err != nil {
		return err
	}
	if err := checkNeedsImatrix(m, p); err != nil {
		return err
	}
	return checkRowsFit(m, p)
}

// fullImatrix has an entry of the right size for every weight but
// token_embd.weight and output.weight, less the names in leave.
func fullImatrix(m *model, leave ...string) map[string][]float32 {
	im := map[string][]float32{}
	for _, t := range m.Tensors {
		if quantizable(t, false) && t.Name != "token_embd.weight" && t.Name != "output.weight" && !strings.Contains(strings.Join(leave, " "), t.Name) {
			im[t.Name] = make([]float32, t.ne(0))
		}
	}
	return im
}

func TestAssignOverrides(t *testing.T) {
	ff172 := shapeModel(64, 172, 2, gguf.TensorF32)   // the reported model
	wide := shapeModel(256, 172, 2, gguf.TensorF32)   // rows of 256, ffn_down 172
	e80 := shapeModel(80, 172, 2, gguf.TensorF32)     // no row fits a block of 32
	wide16 := shapeModel(256, 512, 2, gguf.TensorF16) // every type fits
	odd := shapeModel(320, 488, 2, gguf.TensorF32)    // rows of 320 and 488
	for _, c := range []struct {
		name    string
		m       *model
		opts    Options
		imatrix map[string][]float32
		// want: tensor → "type route" of each forced tensor (all of them)
		want map[string]string
		err  string // the error, when the run is refused
	}{
		{name: "reported: q4_0 with ffn_down=f16", m: ff172, opts: Options{Type: "Q4_0", TensorTypes: []string{"ffn_down=f16"}},
			want: map[string]string{"blk.0.ffn_down.weight": "f16 splice", "blk.1.ffn_down.weight": "f16 splice"}},
		{name: "reported, without the override", m: ff172, opts: Options{Type: "Q4_0"},
			err: "blk.0.ffn_down.weight of m.gguf has rows of 172 values, which q4_0 (blocks of 32) cannot hold, and llama.cpp has no fallback type for it; give it another type with --tensor-type"},
		{name: "override to a type without fallback", m: ff172, opts: Options{Type: "Q8_0", TensorTypes: []string{"ffn_down=q4_0"}},
			err: "blk.0.ffn_down.weight of m.gguf has rows of 172 values, which q4_0 (blocks of 32) cannot hold, and llama-quantize has no fallback type for it (--tensor-type ffn_down=q4_0)"},
		{name: "override takes llama-quantize's fallback", m: odd, opts: Options{Type: "Q5_K_M", TensorTypes: []string{"ffn_down=q4_k", "attn_q=q6_k", "attn_k=iq4_xs"}},
			want: map[string]string{
				"blk.0.ffn_down.weight": "f16 splice", "blk.1.ffn_down.weight": "f16 splice", // q4_K → Q5_0 → F16 for 488
				"blk.0.attn_q.weight": "q8_0 splice", "blk.1.attn_q.weight": "q8_0 splice",
				"blk.0.attn_k.weight": "iq4_nl splice", "blk.1.attn_k.weight": "iq4_nl splice",
			}},
		{name: "same type as the file's default: no override", m: ff172, opts: Options{Type: "Q4_0", TensorTypes: []string{"ffn_down=q4_0", "ffn_down=f16"}},
			want: map[string]string{"blk.0.ffn_down.weight": "f16 splice", "blk.1.ffn_down.weight": "f16 splice"}},
		{name: "the first pattern that changes the type wins", m: wide16, opts: Options{Type: "Q4_K_M", TensorTypes: []string{"attn=q8_0", "attn_q=f16"}},
			want: map[string]string{
				"blk.0.attn_q.weight": "q8_0 llama.cpp", "blk.0.attn_k.weight": "q8_0 llama.cpp", "blk.0.attn_v.weight": "q8_0 llama.cpp", "blk.0.attn_output.weight": "q8_0 llama.cpp",
				"blk.1.attn_q.weight": "q8_0 llama.cpp", "blk.1.attn_k.weight": "q8_0 llama.cpp", "blk.1.attn_v.weight": "q8_0 llama.cpp", "blk.1.attn_output.weight": "q8_0 llama.cpp",
			}},
		{name: "one attn_v of two: the mixture counts the other", m: wide16, opts: Options{Type: "Q4_K_M", TensorTypes: []string{`blk\.0\.attn_v=q8_0`, `blk\.0\.attn_q=q8_0`}},
			want: map[string]string{"blk.0.attn_v.weight": "q8_0 splice", "blk.0.attn_q.weight": "q8_0 llama.cpp"}},
		{name: "input type: copied", m: wide16, opts: Options{Type: "Q4_K_M", TensorTypes: []string{"ffn_up=f16"}, TokenEmbeddingType: "f16"},
			want: map[string]string{"blk.0.ffn_up.weight": "f16 copy", "blk.1.ffn_up.weight": "f16 copy", "token_embd.weight": "f16 copy"}},
		{name: "flags, rows of 256", m: wide, opts: Options{Type: "Q4_K_M", OutputTensorType: "q8_0", TokenEmbeddingType: "f16"},
			want: map[string]string{"output.weight": "q8_0 llama.cpp", "token_embd.weight": "f16 llama.cpp"}},
		{name: "flags, rows of 80", m: e80, opts: Options{Type: "Q4_0", OutputTensorType: "f16", TokenEmbeddingType: "f16", TensorTypes: []string{"attn=f16", "ffn=f16"}},
			want: map[string]string{
				"output.weight": "f16 llama.cpp", "token_embd.weight": "f16 splice",
				"blk.0.attn_q.weight": "f16 splice", "blk.0.attn_k.weight": "f16 splice", "blk.0.attn_v.weight": "f16 splice", "blk.0.attn_output.weight": "f16 splice",
				"blk.0.ffn_gate.weight": "f16 splice", "blk.0.ffn_up.weight": "f16 splice", "blk.0.ffn_down.weight": "f16 splice",
				"blk.1.attn_q.weight": "f16 splice", "blk.1.attn_k.weight": "f16 splice", "blk.1.attn_v.weight": "f16 splice", "blk.1.attn_output.weight": "f16 splice",
				"blk.1.ffn_gate.weight": "f16 splice", "blk.1.ffn_up.weight": "f16 splice", "blk.1.ffn_down.weight": "f16 splice",
			}},
		{name: "a flag's type has no fallback", m: e80, opts: Options{Type: "Q8_0", OutputTensorType: "q4_0"},
			err: "output.weight of m.gguf has rows of 80 values, which q4_0 (blocks of 32) cannot hold, and --output-tensor-type has no fallback"},
		{name: "--pure: patterns do not apply, flags do", m: wide16, opts: Options{Type: "Q4_K_M", Pure: true, TensorTypes: []string{"ffn_down=q8_0"}, OutputTensorType: "q8_0"},
			want: map[string]string{"output.weight": "q8_0 llama.cpp"}},
		{name: "--pure on rows of 172", m: ff172, opts: Options{Type: "Q4_0", Pure: true, TensorTypes: []string{"ffn_down=f16"}},
			err: "with --pure llama.cpp uses no fallback (and no --tensor-type)"},
		{name: "float file type: patterns do not apply", m: ff172, opts: Options{Type: "F16", TensorTypes: []string{"ffn_down=q8_0"}, TokenEmbeddingType: "q8_0"},
			want: map[string]string{"token_embd.weight": "q8_0 llama.cpp"}},
		{name: "COPY: nothing applies", m: ff172, opts: Options{Type: "COPY", TensorTypes: []string{"ffn_down=q4_0"}, OutputTensorType: "q4_0"},
			want: map[string]string{}},
		{name: "--leave-output-tensor", m: wide16, opts: Options{Type: "Q8_0", LeaveOutputTensor: true, OutputTensorType: "q4_0", TensorTypes: []string{"output=q4_0"}},
			want: map[string]string{"blk.0.attn_output.weight": "q4_0 llama.cpp", "blk.1.attn_output.weight": "q4_0 llama.cpp"}},
		{name: "iq3_xxs override needs an imatrix (llama-quantize)", m: wide16, opts: Options{Type: "Q4_K_M", TensorTypes: []string{"attn_q=iq3_xxs"}},
			err: "--tensor-type attn_q=iq3_xxs gives blk.0.attn_q.weight of m.gguf type iq3_xxs, which needs an importance matrix"},
		{name: "iq3_xxs override with an imatrix", m: wide16, opts: Options{Type: "Q4_K_M", TensorTypes: []string{"attn_q=iq3_xxs"}}, imatrix: fullImatrix(wide16),
			want: map[string]string{"blk.0.attn_q.weight": "iq3_xxs llama.cpp", "blk.1.attn_q.weight": "iq3_xxs llama.cpp"}},
		{name: "iq2_xs override, the imatrix lacks the tensor", m: wide16, opts: Options{Type: "Q4_K_M", TensorTypes: []string{"attn_q=iq2_xs"}}, imatrix: fullImatrix(wide16, "blk.1.attn_q.weight"),
			err: "--tensor-type attn_q=iq2_xs gives blk.1.attn_q.weight of m.gguf type iq2_xs, which needs importance data, which the imatrix lacks"},
		{name: "iq2_xs override falls back to f16 on 172: no imatrix needed", m: ff172, opts: Options{Type: "Q4_K_M", TensorTypes: []string{"ffn_down=iq2_xs"}},
			want: map[string]string{"blk.0.ffn_down.weight": "f16 splice", "blk.1.ffn_down.weight": "f16 splice"}},
		{name: "iq2_xxs token embedding needs an imatrix (pinned)", m: wide16, opts: Options{Type: "Q8_0", TokenEmbeddingType: "iq2_xxs"},
			err: "--token-embedding-type gives token_embd.weight of m.gguf type iq2_xxs, which needs an importance matrix"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.opts.Input, c.opts.Output = "m.gguf", "o.gguf"
			p, err := resolve(&c.opts)
			if err != nil {
				t.Fatal(err)
			}
			p.imatrix = c.imatrix
			err = decide(c.m, p)
			if c.err == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
				t.Fatalf("error %v, want one mentioning %q", err, c.err)
			}
			if c.want == nil {
				return
			}
			got := map[string]string{}
			for name, f := range p.forced {
				got[name] = f.Type.String() + " " + f.Route.String()
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("forced tensors\n got  %v\n want %v", got, c.want)
			}
			// what llama.cpp is handed agrees with the routes
			copied := map[string]bool{}
			for _, n := range p.copyTensors {
				copied[n] = true
			}
			exact := map[string]llama.GGMLType{}
			for _, tt := range p.llamaTensorTypes {
				exact[tt.Pattern] = tt.Type
			}
			for name, f := range p.forced {
				pat := "^" + strings.ReplaceAll(name, ".", `\.`) + "$"
				_, hasPat := exact[pat]
				flag := strings.HasPrefix(f.Flag, "--output") || strings.HasPrefix(f.Flag, "--token")
				switch {
				case copied[name] != (f.Route != byLlama):
					t.Errorf("%s (%v): copied by llama.cpp %v", name, f.Route, copied[name])
				case f.Route == byLlama && !flag && (!hasPat || exact[pat] != f.Type || !llama.RegexSearch(pat, name)):
					t.Errorf("%s: no exact pattern for %v in %v", name, f.Type, p.llamaTensorTypes)
				case f.Route != byLlama && hasPat:
					t.Errorf("%s (%v) has an exact pattern", name, f.Route)
				}
			}
		})
	}
}

func TestOverrideFallback(t *testing.T) {
	for _, c := range []struct {
		ne0      uint64
		typ, out string // out "" when there is no fallback
	}{
		{256, "q4_K", "q4_K"}, {320, "q4_K", "q5_0"}, {320, "q5_K", "q5_1"}, {320, "q6_K", "q8_0"},
		{320, "q2_K", "q4_0"}, {320, "q3_K", "q4_0"}, {320, "tq2_0", "q4_0"}, // the pinned mixture's fallback is IQ4_NL/Q4_0
		{320, "iq2_xs", "iq4_nl"}, {320, "iq4_xs", "iq4_nl"}, {320, "iq3_s", "iq4_nl"},
		{172, "q4_K", "f16"}, {172, "iq2_xs", "f16"}, {488, "q6_K", "f16"},
		{172, "q4_0", ""}, {172, "q8_0", ""}, {172, "iq4_nl", ""}, {172, "f16", "f16"}, {172, "bf16", "bf16"},
	} {
		typ, err := ParseGGMLType(c.typ)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := overrideFallback(c.ne0, typ)
		if s := got.String(); !ok && c.out != "" || ok && s != c.out {
			t.Errorf("overrideFallback(%d, %s) = %s, %v; want %q", c.ne0, c.typ, s, ok, c.out)
		}
	}
}
