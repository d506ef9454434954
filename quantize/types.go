// Package quantize quantizes GGUF models with the llama.cpp linked into
// calibkit (llama_model_quantize), as llama-quantize does: the same type
// table and flags, importance matrices loaded and normalized as
// llama-quantize loads them, checks that refuse a misfit imatrix or a
// missing one before any work, an atomically written output and its
// manifest.
package quantize

import (
	"fmt"
	"strings"

	"github.com/calibkit/calibkit/internal/llama"
)

// FileType is one row of llama-quantize's table of TYPE arguments.
type FileType struct {
	// Name is the name llama-quantize prints, e.g. "Q4_K_M".
	Name string
	// Ftype is the llama_ftype number (what a number TYPE means).
	Ftype llama.FileType
	// Desc says what the type holds.
	Desc string
}

// fileTypes follows the order of llama-quantize's table for the pinned
// llama.cpp: a number resolves to the first row with that ftype (12 is
// "Q3_K", 0 is "F32"), and COPY comes after F32.
var fileTypes = []FileType{
	{"Q4_0", llama.FtypeQ4_0, "4.5 bpw, blocks of 32 with one scale"},
	{"Q4_1", llama.FtypeQ4_1, "5.0 bpw, blocks of 32 with scale and minimum"},
	{"MXFP4_MOE", llama.FtypeMXFP4_MOE, "MXFP4 for expert tensors, Q8_0 for the rest"},
	{"Q5_0", llama.FtypeQ5_0, "5.5 bpw, blocks of 32 with one scale"},
	{"Q5_1", llama.FtypeQ5_1, "6.0 bpw, blocks of 32 with scale and minimum"},
	{"IQ2_XXS", llama.FtypeIQ2_XXS, "2.06 bpw; needs an importance matrix"},
	{"IQ2_XS", llama.FtypeIQ2_XS, "2.31 bpw; needs an importance matrix"},
	{"IQ2_S", llama.FtypeIQ2_S, "2.5 bpw mix; needs an importance matrix"},
	{"IQ2_M", llama.FtypeIQ2_M, "2.7 bpw mix; needs an importance matrix"},
	{"IQ1_S", llama.FtypeIQ1_S, "1.56 bpw; needs an importance matrix"},
	{"IQ1_M", llama.FtypeIQ1_M, "1.75 bpw; needs an importance matrix"},
	{"TQ1_0", llama.FtypeTQ1_0, "1.69 bpw ternary"},
	{"TQ2_0", llama.FtypeTQ2_0, "2.06 bpw ternary"},
	{"Q2_K", llama.FtypeQ2_K, "2.6 bpw k-quant mix"},
	{"Q2_K_S", llama.FtypeQ2_K_S, "2.6 bpw k-quant; needs an importance matrix"},
	{"IQ3_XXS", llama.FtypeIQ3_XXS, "3.06 bpw"},
	{"IQ3_S", llama.FtypeIQ3_S, "3.44 bpw"},
	{"IQ3_M", llama.FtypeIQ3_M, "3.66 bpw mix"},
	{"Q3_K", llama.FtypeQ3_K_M, "alias for Q3_K_M"},
	{"IQ3_XS", llama.FtypeIQ3_XS, "3.3 bpw mix"},
	{"Q3_K_S", llama.FtypeQ3_K_S, "3.4 bpw k-quant"},
	{"Q3_K_M", llama.FtypeQ3_K_M, "3.4 bpw k-quant, more bits for attn_v, attn_output, ffn_down"},
	{"Q3_K_L", llama.FtypeQ3_K_L, "3.4 bpw k-quant, Q5_K for attn_v, attn_output, ffn_down"},
	{"IQ4_NL", llama.FtypeIQ4_NL, "4.5 bpw non-linear, blocks of 32"},
	{"IQ4_XS", llama.FtypeIQ4_XS, "4.25 bpw non-linear"},
	{"Q4_K", llama.FtypeQ4_K_M, "alias for Q4_K_M"},
	{"Q4_K_S", llama.FtypeQ4_K_S, "4.5 bpw k-quant"},
	{"Q4_K_M", llama.FtypeQ4_K_M, "4.5 bpw k-quant, Q6_K for half of attn_v and ffn_down"},
	{"Q5_K", llama.FtypeQ5_K_M, "alias for Q5_K_M"},
	{"Q5_K_S", llama.FtypeQ5_K_S, "5.5 bpw k-quant"},
	{"Q5_K_M", llama.FtypeQ5_K_M, "5.5 bpw k-quant, Q6_K for half of attn_v and ffn_down"},
	{"Q6_K", llama.FtypeQ6_K, "6.56 bpw k-quant"},
	{"Q8_0", llama.FtypeQ8_0, "8.5 bpw, blocks of 32"},
	{"F16", llama.FtypeF16, "16 bpw half precision"},
	{"BF16", llama.FtypeBF16, "16 bpw bfloat16"},
	{"F32", llama.FtypeAllF32, "32 bpw, unquantized"},
	{"COPY", llama.FtypeAllF32, "only copy tensors, no quantizing"},
}

// Types returns llama-quantize's table of TYPE arguments, in its order
// (what --list-types prints).
func Types() []FileType { return append([]FileType(nil), fileTypes...) }

// UsageError is an argument the user must correct (exit status 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// ParseFileType resolves a TYPE argument as llama-quantize does: a name
// from Types, compared case-insensitively ("Q4_k_m"), or a number that
// std::stoi reads (leading blanks and sign, then digits; the rest is
// ignored) and that some row has.
func ParseFileType(s string) (FileType, error) {
	for _, ft := range fileTypes {
		if asciiEqualFold(ft.Name, s) {
			return ft, nil
		}
	}
	if n, ok := stoi(s); ok {
		for _, ft := range fileTypes {
			if int64(ft.Ftype) == n {
				return ft, nil
			}
		}
	}
	return FileType{}, &UsageError{Msg: fmt.Sprintf("unknown quantization type %q; run `calibkit quantize --list-types` to see the types", s)}
}

// stoi reads an int as std::stoi does: optional leading white space, an
// optional sign, at least one digit; whatever follows is ignored. It fails
// on no digits or on a value outside int32.
func stoi(s string) (int64, bool) {
	i := 0
	for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var n int64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int64(s[i]-'0')
		if n > 1<<31 {
			return 0, false
		}
		i++
	}
	if i == start {
		return 0, false
	}
	if neg {
		n = -n
	}
	if n > 1<<31-1 || n < -(1<<31) {
		return 0, false
	}
	return n, true
}

// ParseGGMLType resolves a tensor type name (--output-tensor-type,
// --token-embedding-type, --tensor-type) as llama-quantize does: ggml's
// type names, case-insensitively ("q8_0", "Q4_K", "f16").
func ParseGGMLType(s string) (llama.GGMLType, error) {
	for _, t := range llama.GGMLTypes() {
		if asciiEqualFold(t.String(), s) {
			return t, nil
		}
	}
	names := make([]string, 0, 32)
	for _, t := range llama.GGMLTypes() {
		names = append(names, t.String())
	}
	return 0, &UsageError{Msg: fmt.Sprintf("invalid ggml type %q (the types: %s)", s, strings.Join(names, ", "))}
}

// ParseTensorType parses one --tensor-type PATTERN=TYPE as llama-quantize
// does: split at the first '=', the pattern lower-cased (it is a regular
// expression searched in each tensor name), the type a ggml type name. The
// pattern must also compile as the std::regex llama.cpp builds from it.
func ParseTensorType(s string) (llama.TensorType, error) {
	pat, typ, ok := strings.Cut(s, "=")
	switch {
	case !ok:
		return llama.TensorType{}, &UsageError{Msg: fmt.Sprintf("--tensor-type %q: malformed, want PATTERN=TYPE (e.g. attn_q=q8_0)", s)}
	case pat == "":
		return llama.TensorType{}, &UsageError{Msg: fmt.Sprintf("--tensor-type %q: missing tensor name", s)}
	case typ == "":
		return llama.TensorType{}, &UsageError{Msg: fmt.Sprintf("--tensor-type %q: missing quantization type", s)}
	}
	t, err := ParseGGMLType(typ)
	if err != nil {
		return llama.TensorType{}, &UsageError{Msg: fmt.Sprintf("--tensor-type %q: %v", s, err)}
	}
	pat = asciiLower(pat)
	if err := llama.CheckRegex(pat); err != nil {
		return llama.TensorType{}, &UsageError{Msg: fmt.Sprintf("--tensor-type %q: %v", s, err)}
	}
	return llama.TensorType{Pattern: pat, Type: t}, nil
}

// asciiLower lower-cases ASCII letters only, as C's tolower in the "C"
// locale does, leaving other bytes as they are.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// asciiEqualFold compares as llama-quantize's striequals does: byte by
// byte, ASCII letters without case (no Unicode folding).
func asciiEqualFold(a, b string) bool { return len(a) == len(b) && asciiLower(a) == asciiLower(b) }
