// Package synth writes small llama-architecture GGUF models with a real
// tokenizer and seeded random weights, which llama.cpp loads and runs: tests
// and demos get a model in milliseconds without downloading one.
//
// The tokenizer is either a SentencePiece-style vocabulary with byte fallback
// (tokenizer.ggml.model "llama") or a byte-level BPE vocabulary with merges
// (tokenizer.ggml.model "gpt2"), both built deterministically from an
// embedded Japanese and English sample, so that any UTF-8 text tokenizes.
// Weights are drawn from a PCG generator seeded per tensor, so the same
// Options always give the same bytes.
//
// In a test elsewhere:
//
//	path := filepath.Join(t.TempDir(), "tiny.gguf")
//	if err := synth.WriteFile(path, synth.Default()); err != nil { t.Fatal(err) }
package synth

import (
	"errors"
	"fmt"

	"github.com/calibkit/calibkit/internal/gguf"
)

// Vocabulary kinds.
const (
	// VocabSPM is a SentencePiece-style vocabulary (tokenizer.ggml.model
	// "llama") with <unk>, <s>, </s>, the 256 <0xXX> byte-fallback tokens
	// and scored pieces.
	VocabSPM = "spm"
	// VocabBPE is a byte-level BPE vocabulary (tokenizer.ggml.model "gpt2",
	// pre-tokenizer "gpt-2") with merges.
	VocabBPE = "bpe"
)

// Weight types.
const (
	TypeF32 = "f32"
	TypeF16 = "f16"
)

// MaxExperts is llama.cpp's LLAMA_MAX_EXPERTS at the pinned commit.
const MaxExperts = 512

// Options describes the model to synthesize. The zero value is not valid;
// start from Default.
type Options struct {
	Layers      int    // transformer blocks (llama.block_count)
	Embd        int    // hidden size (llama.embedding_length)
	FF          int    // feed-forward size, per expert for MoE (llama.feed_forward_length)
	Heads       int    // attention heads (llama.attention.head_count)
	KVHeads     int    // key/value heads (llama.attention.head_count_kv); divides Heads
	Vocab       string // VocabSPM or VocabBPE
	VocabSize   int    // total tokens, special and byte tokens included
	Ctx         int    // training context length (llama.context_length)
	Experts     int    // experts per MoE layer; 0 for a dense model
	ExpertsUsed int    // experts routed per token; 0 for a dense model
	Type        string // TypeF32 or TypeF16 for the matrices; norms stay F32
	Seed        uint64 // weight seed
	Name        string // general.name; empty gives a name built from the options
	// VocabText is the text the vocabulary learns its pieces or merges
	// from; empty means the embedded Japanese and English sample.
	VocabText string
	// Special are extra control tokens (e.g. a chat template's turn
	// markers "<|im_start|>", "<|im_end|>"), placed after the rest of the
	// vocabulary and counted in VocabSize. llama.cpp tokenizes each one's
	// text as that single token when asked to parse special tokens, and as
	// plain text otherwise; the vocabulary never learns pieces of them.
	Special []string `json:",omitempty"`
	// ChatTemplate is stored as tokenizer.chat_template when not empty.
	ChatTemplate string `json:",omitempty"`
}

// Default returns the small model that tests and demos use: 2 layers,
// 64-wide, 4 heads (2 KV heads), an SPM vocabulary of 2048 tokens, a
// 2048-token context and F32 weights.
func Default() Options {
	return Options{
		Layers:    2,
		Embd:      64,
		FF:        128,
		Heads:     4,
		KVHeads:   2,
		Vocab:     VocabSPM,
		VocabSize: 2048,
		Ctx:       2048,
		Type:      TypeF32,
		Seed:      1,
	}
}

// OptionError reports an invalid option; Flag names the command-line flag.
type OptionError struct {
	Flag string
	Msg  string
}

func (e *OptionError) Error() string { return "--" + e.Flag + ": " + e.Msg }

// Validate reports every problem with the options that llama.cpp would
// reject or that synth cannot build, joined into one error.
func (o Options) Validate() error {
	var errs []error
	bad := func(flag, format string, args ...any) {
		errs = append(errs, &OptionError{Flag: flag, Msg: fmt.Sprintf(format, args...)})
	}
	positive := []struct {
		flag string
		v    int
	}{{"layers", o.Layers}, {"embd", o.Embd}, {"ff", o.FF}, {"heads", o.Heads}, {"kv-heads", o.KVHeads}, {"ctx", o.Ctx}}
	for _, p := range positive {
		if p.v <= 0 {
			bad(p.flag, "must be at least 1, got %d", p.v)
		}
	}
	if o.Heads > 0 && o.Embd > 0 {
		switch {
		case o.Embd%o.Heads != 0:
			bad("heads", "%d heads do not divide --embd %d", o.Heads, o.Embd)
		case (o.Embd/o.Heads)%2 != 0:
			bad("heads", "head size %d (--embd %d / --heads %d) must be even for RoPE", o.Embd/o.Heads, o.Embd, o.Heads)
		}
	}
	if o.Heads > 0 && o.KVHeads > 0 && o.Heads%o.KVHeads != 0 {
		bad("kv-heads", "%d KV heads do not divide --heads %d", o.KVHeads, o.Heads)
	}
	switch o.Vocab {
	case VocabSPM, VocabBPE:
		lo, hi := VocabSizeRange(o.Vocab)
		lo += len(o.Special)
		if o.VocabSize < lo || o.VocabSize > hi {
			bad("vocab-size", "%d is outside %d..%d for a %s vocabulary", o.VocabSize, lo, hi, o.Vocab)
		}
	default:
		bad("vocab", "unknown vocabulary %q (want %s or %s)", o.Vocab, VocabSPM, VocabBPE)
	}
	if err := checkSpecial(o.Special); err != nil {
		bad("special", "%v", err)
	}
	switch {
	case o.Experts < 0 || o.Experts > MaxExperts:
		bad("experts", "must be 0 (dense) to %d, got %d", MaxExperts, o.Experts)
	case o.Experts == 1:
		bad("experts", "a mixture of experts needs at least 2 experts, got 1")
	case o.Experts == 0 && o.ExpertsUsed != 0:
		bad("experts-used", "needs --experts (got %d experts used for a dense model)", o.ExpertsUsed)
	case o.Experts > 0 && (o.ExpertsUsed < 1 || o.ExpertsUsed > o.Experts):
		bad("experts-used", "must be 1 to --experts %d, got %d", o.Experts, o.ExpertsUsed)
	}
	switch o.Type {
	case TypeF32, TypeF16:
	default:
		bad("type", "unknown weight type %q (want %s or %s)", o.Type, TypeF32, TypeF16)
	}
	return errors.Join(errs...)
}

// HeadDim returns the size of one attention head.
func (o Options) HeadDim() int { return o.Embd / o.Heads }

// ParamCount returns the number of weights the model holds, embeddings and
// output matrix included.
func (o Options) ParamCount() int64 {
	var n int64
	for _, t := range plan(o) {
		n += t.numElements()
	}
	return n
}

// TensorCount returns the number of tensors in the file.
func (o Options) TensorCount() int { return len(plan(o)) }

// DataBytes returns the size of the tensor data, padding excluded: nearly
// the whole file for any but the smallest models.
func (o Options) DataBytes() int64 {
	var n int64
	for _, t := range plan(o) {
		size := int64(4)
		if t.typ == gguf.TensorF16 {
			size = 2
		}
		n += t.numElements() * size
	}
	return n
}

// FileType returns general.file_type: llama.cpp's LLAMA_FTYPE_ALL_F32 (0) or
// LLAMA_FTYPE_MOSTLY_F16 (1).
func (o Options) FileType() uint32 {
	if o.Type == TypeF16 {
		return 1
	}
	return 0
}

func (o Options) name() string {
	if o.Name != "" {
		return o.Name
	}
	moe := ""
	if o.Experts > 0 {
		moe = fmt.Sprintf(" moe %dx%d", o.Experts, o.ExpertsUsed)
	}
	return fmt.Sprintf("calibkit synth %s-%d %dL %dd%s %s seed %d", o.Vocab, o.VocabSize, o.Layers, o.Embd, moe, o.Type, o.Seed)
}
