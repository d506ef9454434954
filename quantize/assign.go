package quantize

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/calibkit/calibkit/internal/llama"
)

// route is how a tensor whose type an override decides gets that type in
// the file the linked llama.cpp writes.
type route int

const (
	// byLlama: llama.cpp gives it the type itself, through the
	// --output-tensor-type/--token-embedding-type parameter or an exact
	// --tensor-type pattern naming the tensor alone.
	byLlama route = iota
	// byCopy: the type is the input's; llama.cpp copies the tensor.
	byCopy
	// bySplice: llama.cpp copies the tensor, then calibkit quantizes it
	// and rewrites the output with it (splice.go).
	bySplice
)

func (r route) String() string {
	return [...]string{"llama.cpp", "copy", "splice"}[r]
}

// forced is a tensor whose type an override decides, as llama-quantize
// (May 2026) decides it: an override first, then its fallback type where
// the rows do not fit, and the mixture of the file type never consulted.
type forced struct {
	// Type is the type the tensor gets; Asked the type the override names
	// (they differ where the rows took a fallback).
	Type, Asked llama.GGMLType
	// Flag is the override, as on the command line ("--tensor-type
	// ffn_down=f16", "--output-tensor-type").
	Flag  string
	Route route
}

// overrideFallback returns llama-quantize's (May 2026) type for a tensor
// whose rows of ne0 values an override's type t cannot hold in whole
// blocks (its tensor_type_fallback): IQ4_NL for the i-quants, Q4_0 for
// q2_K, q3_K and the ternary types, Q5_0/Q5_1/Q8_0 for q4_K/q5_K/q6_K, and
// F16 where that one does not fit either. ok is false for a type without
// a fallback (llama-quantize stops: "no tensor type fallback is defined").
func overrideFallback(ne0 uint64, t llama.GGMLType) (llama.GGMLType, bool) {
	if ne0%uint64(t.BlockSize()) == 0 {
		return t, true
	}
	var to string
	switch t.String() {
	case "iq1_s", "iq1_m", "iq2_xxs", "iq2_xs", "iq2_s", "iq3_xxs", "iq3_s", "iq4_xs":
		to = "iq4_nl"
	case "q2_K", "q3_K", "tq1_0", "tq2_0":
		to = "q4_0"
	case "q4_K":
		to = "q5_0"
	case "q5_K":
		to = "q5_1"
	case "q6_K":
		to = "q8_0"
	default:
		return t, false
	}
	ft, err := ParseGGMLType(to)
	if err != nil || ne0%uint64(ft.BlockSize()) != 0 {
		return llama.TypeF16, true
	}
	return ft, true
}

// counterGroups are the name parts of the tensors whose type llama.cpp's
// mixture makes depend on how many of the same kind it decided before
// (its i_attention_wv, i_ffn_down, i_ffn_gate and i_ffn_up counters).
var counterGroups = [][]string{{"attn_v.weight", "attn_qkv.weight", "attn_kv_b.weight"}, {"ffn_down"}, {"ffn_gate"}, {"ffn_up"}}

func counterGroup(name string) int {
	for i, g := range counterGroups {
		for _, s := range g {
			if strings.Contains(name, s) {
				return i
			}
		}
	}
	return -1
}

// assignOverrides decides, as llama-quantize (May 2026) does, the type of
// every tensor an override reaches, before any check: --token-embedding-type
// and --output-tensor-type as given (no fallback); otherwise, when the file
// type is quantized and --pure is not given, the first --tensor-type
// pattern found in the name whose type differs from the file type's
// default, then that type's fallback where the rows do not fit it. The
// tensors no override reaches are left to llama.cpp's mixture. It refuses
// an override whose type cannot hold the tensor's rows, naming the tensor,
// the row length, the type and the override. Then it picks each forced
// tensor's route (see route) and fills p.forced, p.llamaTensorTypes and
// p.copyTensors.
func assignOverrides(m *model, p *plan) error {
	p.forced = map[string]*forced{}
	if p.onlyCopy {
		return nil
	}
	def, err := ParseGGMLType(defaultTypes[p.ftype.Ftype])
	if err != nil {
		return fmt.Errorf("internal error: no default type for %s", p.ftype.Name)
	}
	patterns := !p.pure && isQuantized(def)
	for _, t := range m.Tensors {
		if !quantizable(t, p.leaveOutput) {
			continue
		}
		var f *forced
		switch {
		case p.embdType != nil && (t.Name == "token_embd.weight" || t.Name == "per_layer_token_embd.weight"):
			f = &forced{Type: *p.embdType, Asked: *p.embdType, Flag: "--token-embedding-type"}
		case p.outputType != nil && t.Name == "output.weight":
			f = &forced{Type: *p.outputType, Asked: *p.outputType, Flag: "--output-tensor-type"}
		case patterns:
			for i, tt := range p.tensorTypes {
				if tt.Type != def && llama.RegexSearch(tt.Pattern, t.Name) {
					f = &forced{Asked: tt.Type, Flag: "--tensor-type " + p.tensorTypeArgs[i]}
					break
				}
			}
			if f == nil {
				continue
			}
			var ok bool
			if f.Type, ok = overrideFallback(t.ne(0), f.Asked); !ok {
				return fmt.Errorf("%s of %s has rows of %d values, which %v (blocks of %d) cannot hold, and llama-quantize has no fallback type for it (%s); choose another type for it",
					t.Name, m.Paths[0], t.ne(0), f.Asked, f.Asked.BlockSize(), f.Flag)
			}
		default:
			continue
		}
		if t.ne(0)%uint64(f.Type.BlockSize()) != 0 {
			return fmt.Errorf("%s of %s has rows of %d values, which %v (blocks of %d) cannot hold, and %s has no fallback; choose another type for it",
				t.Name, m.Paths[0], t.ne(0), f.Type, f.Type.BlockSize(), f.Flag)
		}
		p.forced[t.Name] = f
	}
	routeForced(m, p, patterns)
	return nil
}

// routeForced picks how each forced tensor gets its type from the linked
// (pinned) llama.cpp, which decides otherwise: it runs its mixture first
// and applies a --tensor-type only where the mixture needed no fallback
// (and stops on one that has none), the last matching pattern winning, and
// its mixture counts each tensor of a kind, which llama-quantize skips for
// a tensor an override decides. llama.cpp is left to give the type itself
// only where it cannot differ:
//   - the type is the input's: llama.cpp copies the tensor;
//   - no mixture runs (--pure, or a float file type): only the two flags
//     apply, and llama.cpp sets them (on output.weight and
//     token_embd.weight; per_layer_token_embd.weight is spliced);
//   - output.weight with --output-tensor-type: llama.cpp's mixture takes the
//     flag's type, which fits;
//   - token_embd.weight with --token-embedding-type and rows a multiple of
//     32: every type llama.cpp's mixture may try on it fits or has a
//     fallback that fits, and the flag then replaces it;
//   - a --tensor-type with rows a multiple of 256 (every type fits) on a
//     tensor whose kind has no counter, or whose kind the overrides reach
//     entirely: an exact pattern for it.
//
// Every other forced tensor is copied by llama.cpp and spliced.
func routeForced(m *model, p *plan, mixture bool) {
	// kinds with a counter that some tensor left to the mixture has
	mixed := map[int]bool{}
	for _, t := range m.Tensors {
		if g := counterGroup(t.Name); g >= 0 && quantizable(t, p.leaveOutput) && p.forced[t.Name] == nil {
			mixed[g] = true
		}
	}
	p.llamaTensorTypes, p.copyTensors = nil, nil
	for _, t := range m.Tensors {
		f := p.forced[t.Name]
		if f == nil {
			continue
		}
		g := counterGroup(t.Name)
		switch {
		case f.Type == llama.GGMLType(t.Type):
			f.Route = byCopy
		case !mixture && t.Name == "per_layer_token_embd.weight":
			f.Route = bySplice // llama.cpp sets the flag's type on token_embd.weight only
		case !mixture:
			f.Route = byLlama
		case t.Name == "output.weight" && f.Flag == "--output-tensor-type":
			f.Route = byLlama
		case t.Name == "token_embd.weight" && f.Flag == "--token-embedding-type":
			f.Route = bySplice
			if t.ne(0)%32 == 0 {
				f.Route = byLlama
			}
		case t.ne(0)%256 == 0 && (g < 0 || !mixed[g]):
			f.Route = byLlama
			p.llamaTensorTypes = append(p.llamaTensorTypes, llama.TensorType{Pattern: "^" + regexp.QuoteMeta(t.Name) + "$", Type: f.Type})
		default:
			f.Route = bySplice
		}
		if f.Route != byLlama {
			p.copyTensors = append(p.copyTensors, t.Name)
		}
	}
}

// isQuantized reports whether t is a block-quantized type (not f32, f16 or
// bf16), as ggml_is_quantized.
func isQuantized(t llama.GGMLType) bool {
	return t != llama.TypeF32 && t != llama.TypeF16 && t != llama.TypeBF16
}
