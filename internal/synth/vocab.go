package synth

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// sample is the embedded Japanese and English text the vocabularies learn
// their pieces and merges from.
//
//go:embed sample.txt
var sample string

// Token types, as llama.cpp's llama_token_type numbers them.
const (
	TokenNormal  int32 = 1
	TokenUnknown int32 = 2
	TokenControl int32 = 3
	TokenByte    int32 = 6
)

// Vocab is a tokenizer ready to be stored under the tokenizer.ggml.* keys.
type Vocab struct {
	Model  string    // tokenizer.ggml.model: "llama" (SPM) or "gpt2" (BPE)
	Pre    string    // tokenizer.ggml.pre; empty for SPM
	Tokens []string  // tokenizer.ggml.tokens
	Scores []float32 // tokenizer.ggml.scores; nil for BPE
	Types  []int32   // tokenizer.ggml.token_type
	Merges []string  // tokenizer.ggml.merges, "left right"; nil for SPM
	BOS    int32     // tokenizer.ggml.bos_token_id
	EOS    int32     // tokenizer.ggml.eos_token_id
	UNK    int32     // tokenizer.ggml.unknown_token_id; -1 when there is none
	AddBOS bool      // tokenizer.ggml.add_bos_token
}

// VocabSizeRange returns the smallest and largest vocabulary size BuildVocab
// accepts for kind.
func VocabSizeRange(kind string) (lo, hi int) { return 384, 65536 }

// BuildVocab returns the vocabulary of the given kind (VocabSPM or VocabBPE)
// with exactly size tokens. The same kind and size always give the same
// vocabulary; for BPE, a smaller vocabulary's tokens and merges are a prefix
// of a larger one's.
func BuildVocab(kind string, size int) (*Vocab, error) {
	return buildVocab(kind, size, "")
}

// BuildVocabFrom is BuildVocab with pieces and merges learned from text
// instead of the embedded sample: a model to be trained on text gets a
// tokenizer that fits it. Characters outside text still tokenize (byte
// fallback, or the inventory's characters as room allows).
func BuildVocabFrom(kind string, size int, text string) (*Vocab, error) {
	if text == "" {
		return nil, fmt.Errorf("a vocabulary learned from text needs some text")
	}
	return buildVocab(kind, size, text)
}

func buildVocab(kind string, size int, text string) (*Vocab, error) {
	lo, hi := VocabSizeRange(kind)
	if size < lo || size > hi {
		return nil, fmt.Errorf("vocabulary size %d outside %d..%d", size, lo, hi)
	}
	switch kind {
	case VocabSPM:
		t := spmTrained()
		if text != "" {
			t = trainSPM(textLines(text))
		}
		return buildSPM(size, t)
	case VocabBPE:
		m := bpeTrained()
		if text != "" {
			m = trainBPE(textLines(text))
		}
		return buildBPE(size, m)
	}
	return nil, fmt.Errorf("unknown vocabulary kind %q (want %s or %s)", kind, VocabSPM, VocabBPE)
}

// sampleLines returns the sample's non-empty lines.
func sampleLines() []string { return textLines(sample) }

// textLines returns the non-empty lines of text.
func textLines(text string) []string {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// inventory is the ordered list of characters beyond the sample that fill
// larger vocabularies: kana and CJK punctuation, full-width forms, Latin-1,
// Greek and Cyrillic letters, the CJK Unified Ideographs, Hangul syllables,
// CJK Extension A and Extension B.
var inventory = sync.OnceValue(func() []rune {
	ranges := [][2]rune{
		{0x3001, 0x303F}, // CJK symbols and punctuation
		{0x3041, 0x3096}, // hiragana
		{0x309D, 0x309E},
		{0x30A1, 0x30FA}, // katakana
		{0x30FC, 0x30FE},
		{0xFF01, 0xFF5E}, // full-width ASCII
		{0x00C0, 0x00FF}, // Latin-1 letters
		{0x0391, 0x03A9}, // Greek
		{0x03B1, 0x03C9},
		{0x0410, 0x044F}, // Cyrillic
		{0x2010, 0x2027}, // general punctuation
		{0x4E00, 0x9FFF}, // CJK unified ideographs
		{0xAC00, 0xD7A3}, // Hangul syllables
		{0x3400, 0x4DBF}, // CJK extension A
		{0x20000, 0x2A6DF},
	}
	var out []rune
	for _, r := range ranges {
		for c := r[0]; c <= r[1]; c++ {
			out = append(out, c)
		}
	}
	return out
})
