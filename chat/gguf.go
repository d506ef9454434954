package chat

import (
	"errors"
	"fmt"
	"os"

	"github.com/calibkit/calibkit/internal/gguf"
)

// ErrNoTemplate is returned for a model whose GGUF has no
// tokenizer.chat_template.
var ErrNoTemplate = errors.New("the model has no tokenizer.chat_template")

// ModelTemplate is a model's chat template and the bos_token and eos_token
// texts its tokenizer names, as apply_chat_template would give them.
type ModelTemplate struct {
	Source   string
	BOS, EOS string
}

// FromGGUF reads tokenizer.chat_template and the BOS and EOS token texts
// from the GGUF model at path (only its header is read).
func FromGGUF(path string) (ModelTemplate, error) {
	f, err := os.Open(path)
	if err != nil {
		return ModelTemplate{}, fmt.Errorf("chat template from %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return ModelTemplate{}, fmt.Errorf("chat template from %s: %w", path, err)
	}
	g, err := gguf.Decode(f, fi.Size())
	if err != nil {
		return ModelTemplate{}, fmt.Errorf("chat template from %s: %w", path, err)
	}
	var mt ModelTemplate
	if _, ok := g.Value("tokenizer.chat_template"); !ok {
		return ModelTemplate{}, fmt.Errorf("%s: %w; give one with --chat-template FILE (a Jinja file) or a built-in name (--chat-template chatml, see docs/corpus.md)", path, ErrNoTemplate)
	}
	if mt.Source, err = g.String("tokenizer.chat_template"); err != nil {
		return ModelTemplate{}, fmt.Errorf("%s: %w", path, err)
	}
	tokens, err := g.Strings("tokenizer.ggml.tokens")
	if err != nil {
		return mt, nil // no vocabulary: bos_token and eos_token stay empty
	}
	for _, t := range []struct {
		key string
		dst *string
	}{{"tokenizer.ggml.bos_token_id", &mt.BOS}, {"tokenizer.ggml.eos_token_id", &mt.EOS}} {
		id, err := g.Uint(t.key)
		if err != nil {
			continue
		}
		if id >= uint64(len(tokens)) {
			return ModelTemplate{}, fmt.Errorf("%s: %s %d is past the vocabulary's %d tokens", path, t.key, id, len(tokens))
		}
		*t.dst = tokens[id]
	}
	return mt, nil
}
