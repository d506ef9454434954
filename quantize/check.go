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

// checkNeedsImatrix refuses, before any work, a run that llama-quant.cpp
// would stop on a tensor for lack of importance data: a very low-bit file
// type, or an override to a very low-bit tensor type, without an imatrix.
// A weight whose rows are not a multiple of 256 falls back to IQ4_NL (or
// another type) and needs none.
func checkNeedsImatrix(m *model, p *plan) error {
	if len(p.imatrix) > 0 {
		return nil
	}
	for _, t := range m.Tensors {
		if !quantizable(t, p.leaveOutput) {
			continue
		}
		switch {
		case t.Name == "output.weight" && p.outputType != nil:
			if needsImatrixType(*p.outputType, t.Name, p.ftype.Ftype) {
				return needsErr(m, t, p.outputType.String(), "--output-tensor-type")
			}
			continue
		case t.Name == "token_embd.weight" && p.embdType != nil:
			if needsImatrixType(*p.embdType, t.Name, p.ftype.Ftype) {
				return needsErr(m, t, p.embdType.String(), "--token-embedding-type")
			}
			continue
		case t.Name == "output.weight" || t.Name == "token_embd.weight":
			continue // llama.cpp picks a type that needs no imatrix
		}
		if t.ne(0)%256 != 0 {
			continue // falls back to a type that needs none
		}
		for i := len(p.tensorTypes) - 1; i >= 0; i-- {
			if llama.RegexSearch(p.tensorTypes[i].Pattern, t.Name) {
				if needsImatrixType(p.tensorTypes[i].Type, t.Name, p.ftype.Ftype) {
					return needsErr(m, t, p.tensorTypes[i].Type.String(), "--tensor-type")
				}
				break
			}
		}
		if needsImatrixFtype[p.ftype.Ftype] {
			return fmt.Errorf("%s needs an importance matrix: llama.cpp refuses to quantize %s of %s to such a low-bit type without one (\"the result will be garbage\"); compute one with `calibkit imatrix -m %s -f TEXT` and give it with --imatrix",
				p.ftype.Name, t.Name, m.Paths[0], m.Paths[0])
		}
	}
	return nil
}

func needsErr(m *model, t tensor, typ, flag string) error {
	return fmt.Errorf("%s %s needs an importance matrix for %s of %s: llama.cpp refuses to quantize to such a low-bit type without one; give one with --imatrix",
		flag, typ, t.Name, m.Paths[0])
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

// checkRowsFit refuses, before any work, a tensor whose rows the type it
// would get cannot hold in whole blocks. llama.cpp stops in the middle of
// the run when its mixture has no fallback for the type ("Unsupported
// tensor size encountered"), and aborts the whole process (a failed ggml
// assertion) for types chosen with --pure, --output-tensor-type,
// --token-embedding-type or --tensor-type, which skip the fallback.
func checkRowsFit(m *model, p *plan) error {
	if p.onlyCopy {
		return nil
	}
	def, err := ParseGGMLType(defaultTypes[p.ftype.Ftype])
	if err != nil {
		return fmt.Errorf("internal error: no default type for %s", p.ftype.Name)
	}
	fits := func(t tensor, ty llama.GGMLType) bool { return t.ne(0)%uint64(ty.BlockSize()) == 0 }
	refuse := func(t tensor, ty llama.GGMLType, why string) error {
		return fmt.Errorf("%s of %s has rows of %d values, which %v (blocks of %d) cannot hold, and %s; choose another type for it",
			t.Name, m.Paths[0], t.ne(0), ty, ty.BlockSize(), why)
	}
	for _, t := range m.Tensors {
		if !quantizable(t, p.leaveOutput) {
			continue
		}
		switch {
		case t.Name == "token_embd.weight" && p.embdType != nil:
			if !fits(t, *p.embdType) {
				return refuse(t, *p.embdType, "--token-embedding-type has no fallback")
			}
			continue
		case t.Name == "output.weight" && p.outputType != nil:
			if !fits(t, *p.outputType) {
				return refuse(t, *p.outputType, "--output-tensor-type has no fallback")
			}
			continue
		}
		quantized := def.String() != "f16" && def.String() != "bf16" && def.String() != "f32"
		if p.pure || !quantized {
			if !fits(t, def) {
				return refuse(t, def, "with --pure (or a float type) llama.cpp uses no fallback")
			}
			continue
		}
		if !fits(t, def) && !hasFallback[def.String()] {
			return refuse(t, def, "llama.cpp has no fallback type for it")
		}
		if !fits(t, def) {
			continue // the fallback type; the pinned llama.cpp then ignores --tensor-type
		}
		for i := len(p.tensorTypes) - 1; i >= 0; i-- {
			if llama.RegexSearch(p.tensorTypes[i].Pattern, t.Name) {
				if !fits(t, p.tensorTypes[i].Type) {
					return refuse(t, p.tensorTypes[i].Type, "--tensor-type has no fallback")
				}
				break
			}
		}
	}
	return nil
}
