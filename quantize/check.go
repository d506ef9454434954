package quantize

import (
	"fmt"

	"github.com/calibkit/calibkit/internal/llama"
)

// needsImatrixFtype lists the file types whose default type llama-quant.cpp
// (pinned) refuses to produce without importance data: IQ2_XXS, IQ2_XS,
// IQ2_S (default IQ2_XS), IQ2_M (default IQ2_S), IQ1_S, IQ1_M and Q2_K_S.
var needsImatrixFtype = map[llama.FileType]bool{
	llama.FtypeIQ2_XXS: true, llama.FtypeIQ2_XS: true, llama.FtypeIQ2_S: true, llama.FtypeIQ2_M: true,
	llama.FtypeIQ1_S: true, llama.FtypeIQ1_M: true, llama.FtypeQ2_K_S: true,
}

// needsImatrixType reports whether llama-quant.cpp refuses to quantize the
// named tensor to t without importance data (its "Missing importance
// matrix for tensor ... in a very low-bit quantization").
func needsImatrixType(t llama.GGMLType, name string, ft llama.FileType) bool {
	switch t.String() {
	case "iq2_xxs", "iq2_xs", "iq2_s", "iq1_s":
		return true
	case "iq1_m":
		return name != "token_embd.weight" && name != "output.weight"
	case "q2_K":
		return ft == llama.FtypeQ2_K_S && name != "token_embd.weight"
	}
	return false
}

// checkImatrixFits refuses an importance matrix made for another model:
// every weight that will be quantized (token_embd.weight and output.weight
// aside, which llama-imatrix does not collect by default) needs an entry,
// and every entry of a weight must hold ne0 × experts values, which
// llama-quant.cpp requires (it stops in the middle of the run otherwise).
// Weights are checked in llama.cpp's order (by name).
func checkImatrixFits(m *model, im *Imatrix, leaveOutput, allowMissing bool) error {
	for _, t := range m.Tensors {
		if !quantizable(t, leaveOutput) {
			continue
		}
		want := t.ne(0) * t.ne(2)
		v, ok := im.All[t.Name]
		switch {
		case !ok:
			if allowMissing || t.Name == "token_embd.weight" || t.Name == "output.weight" {
				continue
			}
			return fmt.Errorf("imatrix %s does not fit model %s: it has no entry for weight %s (%s); was it computed for another model? (with --allow-missing-imatrix such weights are quantized without one)",
				im.Path, m.Paths[0], t.Name, shapeString(t.Shape))
		case uint64(len(v)) != want && t.Name != "token_embd.weight":
			return fmt.Errorf("imatrix %s does not fit model %s: entry %s holds %d values but the weight (%s) needs %d (ne0 × experts); was it computed for another model?",
				im.Path, m.Paths[0], t.Name, len(v), shapeString(t.Shape), want)
		}
	}
	return nil
}

// forcedNeedsImatrix reports whether a tensor that an override gives type
// t needs importance data: where either llama.cpp refuses it without any
// (the pinned one's needsImatrixType; llama-quantize's tensor_requires_imatrix,
// which adds iq3_xxs and leaves token_embd.weight and output.weight out),
// as calibkit may quantize such a tensor itself (splice.go).
func forcedNeedsImatrix(t llama.GGMLType, name string, ft llama.FileType) bool {
	if needsImatrixType(t, name, ft) {
		return true
	}
	if name == "token_embd.weight" || name == "per_layer_token_embd.weight" || name == "output.weight" {
		return false
	}
	switch t.String() {
	case "iq3_xxs", "iq2_xxs", "iq2_xs", "iq2_s", "iq1_m", "iq1_s":
		return true
	case "q2_K":
		return ft == llama.FtypeQ2_K_S
	}
	return false
}

// checkNeedsImatrix refuses, before any work, a run that llama.cpp would
// stop on a tensor for lack of importance data: a very low-bit file type
// without an imatrix, or a tensor that an override gives a very low-bit
// type (judged on the type it really gets, after its fallback) without an
// imatrix entry that fits it. A weight left to the mixture whose rows are
// not a multiple of 256 falls back to IQ4_NL (or another type) and needs
// none.
func checkNeedsImatrix(m *model, p *plan) error {
	for _, t := range m.Tensors {
		if !quantizable(t, p.leaveOutput) {
			continue
		}
		if f := p.forced[t.Name]; f != nil {
			if f.Route == byCopy || !forcedNeedsImatrix(f.Type, t.Name, p.ftype.Ftype) {
				continue
			}
			if v, ok := p.imatrix[t.Name]; ok && uint64(len(v)) == t.ne(0)*t.ne(2) {
				continue
			}
			what := "an importance matrix: give one with --imatrix"
			if len(p.imatrix) > 0 {
				what = "importance data, which the imatrix lacks for it: compute one that covers it, or choose another type"
			}
			return fmt.Errorf("%s gives %s of %s type %v, which needs %s (llama.cpp refuses to quantize to such a low-bit type without one)",
				f.Flag, t.Name, m.Paths[0], f.Type, what)
		}
		if len(p.imatrix) > 0 || t.Name == "output.weight" || t.Name == "token_embd.weight" {
			continue // llama.cpp picks a type that needs no imatrix for these two
		}
		if t.ne(0)%256 != 0 {
			continue // falls back to a type that needs none
		}
		if needsImatrixFtype[p.ftype.Ftype] {
			return fmt.Errorf("%s needs an importance matrix: llama.cpp refuses to quantize %s of %s to such a low-bit type without one (\"the result will be garbage\"); compute one with `calibkit imatrix -m %s -f TEXT` and give it with --imatrix",
				p.ftype.Name, t.Name, m.Paths[0], m.Paths[0])
		}
	}
	return nil
}

// defaultTypes is the pinned llama-quant.cpp's default tensor type per
// file type (the switch at the top of llama_model_quantize_impl).
var defaultTypes = map[llama.FileType]string{
	llama.FtypeQ4_0: "q4_0", llama.FtypeQ4_1: "q4_1", llama.FtypeQ5_0: "q5_0", llama.FtypeQ5_1: "q5_1",
	llama.FtypeQ8_0: "q8_0", llama.FtypeF16: "f16", llama.FtypeBF16: "bf16", llama.FtypeAllF32: "f32",
	llama.FtypeMXFP4_MOE: "mxfp4", llama.FtypeQ2_K_S: "q2_K", llama.FtypeQ2_K: "q2_K", llama.FtypeIQ3_XS: "iq3_s",
	llama.FtypeQ3_K_S: "q3_K", llama.FtypeQ3_K_M: "q3_K", llama.FtypeQ3_K_L: "q3_K",
	llama.FtypeQ4_K_S: "q4_K", llama.FtypeQ4_K_M: "q4_K", llama.FtypeQ5_K_S: "q5_K", llama.FtypeQ5_K_M: "q5_K",
	llama.FtypeQ6_K: "q6_K", llama.FtypeTQ1_0: "tq1_0", llama.FtypeTQ2_0: "tq2_0",
	llama.FtypeIQ2_XXS: "iq2_xxs", llama.FtypeIQ2_XS: "iq2_xs", llama.FtypeIQ2_S: "iq2_xs", llama.FtypeIQ2_M: "iq2_s",
	llama.FtypeIQ3_XXS: "iq3_xxs", llama.FtypeIQ1_S: "iq1_s", llama.FtypeIQ1_M: "iq1_m",
	llama.FtypeIQ4_NL: "iq4_nl", llama.FtypeIQ4_XS: "iq4_xs", llama.FtypeIQ3_S: "iq3_s", llama.FtypeIQ3_M: "iq3_s",
}

// hasFallback lists the types for which llama-quant.cpp (pinned) has a
// fallback when a tensor's rows are no multiple of their block.
var hasFallback = map[string]bool{
	"tq1_0": true, "tq2_0": true, "iq2_xxs": true, "iq2_xs": true, "iq2_s": true, "iq3_xxs": true, "iq3_s": true,
	"iq1_s": true, "iq1_m": true, "q2_K": true, "q3_K": true, "iq4_xs": true, "q4_K": true, "q5_K": true, "q6_K": true,
}

// checkRowsFit refuses, before any work, a tensor left to llama.cpp's
// mixture whose rows the type it would get cannot hold in whole blocks.
// llama.cpp stops in the middle of the run when its mixture has no
// fallback for the type ("Unsupported tensor size encountered"), and aborts
// the whole process (a failed ggml assertion) for the type --pure gives,
// which skips the fallback. The tensors an override reaches were judged by
// assignOverrides, on the type they really get.
func checkRowsFit(m *model, p *plan) error {
	if p.onlyCopy {
		return nil
	}
	def, err := ParseGGMLType(defaultTypes[p.ftype.Ftype])
	if err != nil {
		return fmt.Errorf("internal error: no default type for %s", p.ftype.Name)
	}
	refuse := func(t tensor, ty llama.GGMLType, why string) error {
		return fmt.Errorf("%s of %s has rows of %d values, which %v (blocks of %d) cannot hold, and %s; give it another type with --tensor-type",
			t.Name, m.Paths[0], t.ne(0), ty, ty.BlockSize(), why)
	}
	for _, t := range m.Tensors {
		if !quantizable(t, p.leaveOutput) || p.forced[t.Name] != nil || t.ne(0)%uint64(def.BlockSize()) == 0 {
			continue
		}
		switch {
		case p.pure || !isQuantized(def): // a float type always fits: --pure
			return fmt.Errorf("%s of %s has rows of %d values, which %v (blocks of %d) cannot hold, and with --pure llama.cpp uses no fallback (and no --tensor-type); quantize it without --pure",
				t.Name, m.Paths[0], t.ne(0), def, def.BlockSize())
		case !hasFallback[def.String()]:
			return refuse(t, def, "llama.cpp has no fallback type for it")
		}
	}
	return nil
}
