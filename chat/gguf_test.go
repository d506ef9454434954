package chat

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/calibkit/calibkit/internal/gguf"
)

func writeGGUF(t *testing.T, kvs map[string]any) string {
	t.Helper()
	w := gguf.NewWriter()
	for _, k := range []string{"general.architecture", "tokenizer.ggml.tokens", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.chat_template"} {
		if v, ok := kvs[k]; ok {
			if err := w.AddKV(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "model.gguf")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFromGGUF(t *testing.T) {
	path := writeGGUF(t, map[string]any{
		"general.architecture":        "llama",
		"tokenizer.ggml.tokens":       []string{"<unk>", "<bos>", "<eos>", "a"},
		"tokenizer.ggml.bos_token_id": uint32(1),
		"tokenizer.ggml.eos_token_id": uint32(2),
		"tokenizer.chat_template":     "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}",
	})
	mt, err := FromGGUF(path)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := Compile(path, mt.Source, Options{BOS: mt.BOS, EOS: mt.EOS})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tmpl.Render(conv("user", "x")); err != nil || got != "<bos>x<eos>" {
		t.Fatalf("got %q, %v", got, err)
	}

	bare := writeGGUF(t, map[string]any{"general.architecture": "llama"})
	if _, err := FromGGUF(bare); !errors.Is(err, ErrNoTemplate) {
		t.Fatalf("model without a template: %v", err)
	}
}
