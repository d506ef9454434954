// Package llamatok gives package hfdataset a model's tokenizer through the
// llama.cpp binding. Only the vocabulary is loaded, so it is cheap even
// for a large model.
package llamatok

import (
	"fmt"

	"github.com/calibkit/calibkit/internal/llama"
)

// Tokenizer tokenizes as llama.cpp does with add_special and
// parse_special off (no BOS; special-token text stays text) and
// detokenizes with llama_detokenize. It is safe for concurrent use.
type Tokenizer struct {
	m *llama.Model
}

// Open loads the vocabulary of the GGUF model at path.
func Open(path string) (*Tokenizer, error) {
	m, err := llama.LoadModel(path, llama.ModelParams{VocabOnly: true})
	if err != nil {
		return nil, fmt.Errorf("open model %s for its tokenizer: %w", path, err)
	}
	return &Tokenizer{m: m}, nil
}

// Tokenize returns the tokens of text, no BOS added.
func (t *Tokenizer) Tokenize(text string) ([]int32, error) { return t.m.Tokenize(text, false, false) }

// Detokenize returns the text of tokens.
func (t *Tokenizer) Detokenize(tokens []int32) (string, error) { return t.m.Detokenize(tokens) }

// Close frees the model; it is safe to call more than once.
func (t *Tokenizer) Close() error {
	t.m.Close()
	return nil
}
