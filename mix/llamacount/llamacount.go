// Package llamacount counts tokens for package mix with a model's own
// tokenizer, through the llama.cpp binding. Only the vocabulary is loaded,
// so counting is cheap even for a large model.
package llamacount

import (
	"fmt"
	"io"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/mix"
)

// Counter counts tokens the way llama-perplexity tokenizes its input: the
// text at once, special tokens (BOS) added, special-token text kept as
// plain text. It is safe for concurrent use.
type Counter struct {
	m *llama.Model
}

// Open loads the vocabulary of the GGUF model at path.
func Open(path string) (*Counter, error) {
	m, err := llama.LoadModel(path, llama.ModelParams{VocabOnly: true})
	if err != nil {
		return nil, fmt.Errorf("open model for token counts: %w", err)
	}
	return &Counter{m: m}, nil
}

// CountTokens returns the number of tokens of text, BOS included.
func (c *Counter) CountTokens(text string) (int, error) {
	toks, err := c.m.Tokenize(text, true, false)
	if err != nil {
		return 0, err
	}
	return len(toks), nil
}

// CountTokensSpecial returns the number of tokens of text, BOS included,
// with the text of special tokens ("<start_of_turn>") parsed as those
// tokens, as llama-imatrix --parse-special tokenizes chat-formatted text
// (mix.SpecialTokenCounter).
func (c *Counter) CountTokensSpecial(text string) (int, error) {
	toks, err := c.m.Tokenize(text, true, true)
	if err != nil {
		return 0, err
	}
	return len(toks), nil
}

// Close frees the model; it is safe to call more than once.
func (c *Counter) Close() error {
	c.m.Close()
	return nil
}

// OpenCounter has the shape the calibkit commands take for their token
// counter.
func OpenCounter(path string) (mix.TokenCounter, io.Closer, error) {
	c, err := Open(path)
	if err != nil {
		return nil, nil, err
	}
	return c, c, nil
}
