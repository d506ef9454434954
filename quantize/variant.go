package quantize

// Variant is a named quantization recipe: a TYPE and the overrides that go
// with it, as a study names them.
type Variant struct {
	// Name is the study's name of the variant ("M", "L", "fp16").
	Name string
	// Type is the TYPE argument.
	Type string
	// OutputTensorType and TokenEmbeddingType are the overrides ("" for
	// none).
	OutputTensorType, TokenEmbeddingType string
	// TensorTypes are --tensor-type PATTERN=TYPE overrides, in order.
	TensorTypes []string
}

// The three variants of the published study, all Q4_K_M: "M" as is, "L"
// with output.weight and token_embd.weight in Q8_0, "fp16" with both in F16.
var (
	VariantM    = Variant{Name: "M", Type: "Q4_K_M"}
	VariantL    = Variant{Name: "L", Type: "Q4_K_M", OutputTensorType: "q8_0", TokenEmbeddingType: "q8_0"}
	VariantFP16 = Variant{Name: "fp16", Type: "Q4_K_M", OutputTensorType: "f16", TokenEmbeddingType: "f16"}
)

// Variants returns the study's variants in order: M, L, fp16.
func Variants() []Variant { return []Variant{VariantM, VariantL, VariantFP16} }

// Apply sets the variant's type and overrides in opts and returns it.
func (v Variant) Apply(opts Options) Options {
	opts.Type = v.Type
	opts.OutputTensorType = v.OutputTensorType
	opts.TokenEmbeddingType = v.TokenEmbeddingType
	opts.TensorTypes = append([]string(nil), v.TensorTypes...)
	return opts
}
