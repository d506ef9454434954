package synth_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
)

const chatML = "{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{%- endfor %}"

// TestSpecialTokens checks that a model's chat turn markers are control
// tokens llama.cpp reads as one token each when it parses special tokens,
// and as plain text when it does not, for both vocabulary kinds, and that
// the chat template is stored.
func TestSpecialTokens(t *testing.T) {
	special := []string{"<|im_start|>", "<|im_end|>"}
	text := "<|im_start|>user\nこんにちは。<|im_end|>\n<|im_start|>assistant\nHello there.<|im_end|>\n"
	for _, kind := range []string{synth.VocabSPM, synth.VocabBPE} {
		for _, learned := range []bool{false, true} {
			name := kind
			if learned {
				name += " learned"
			}
			t.Run(name, func(t *testing.T) {
				o := synth.Default()
				o.Vocab, o.Special, o.ChatTemplate = kind, special, chatML
				if learned {
					// Text full of the markers: no piece may spell or span one.
					o.VocabText = strings.Repeat(text, 50) + strings.Repeat("The markers are <|im_start|> and <|im_end|>.\n", 50)
				}
				path := filepath.Join(t.TempDir(), "m.gguf")
				if err := synth.WriteFile(path, o); err != nil {
					t.Fatal(err)
				}
				r, err := gguf.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				tmpl, err := r.String("tokenizer.chat_template")
				r.Close()
				if err != nil || tmpl != chatML {
					t.Errorf("tokenizer.chat_template = %q, %v", tmpl, err)
				}
				m, err := llama.LoadModel(path, llama.ModelParams{})
				if err != nil {
					t.Fatal(err)
				}
				defer m.Close()
				if m.NVocab() != o.VocabSize {
					t.Errorf("llama.cpp sees %d tokens, want %d", m.NVocab(), o.VocabSize)
				}
				ids := map[string]int32{}
				for i, s := range special {
					id := int32(o.VocabSize - len(special) + i)
					e, err := m.TokenEntry(id)
					if err != nil || e.Piece != s || e.Attr&llama.AttrControl == 0 {
						t.Fatalf("token %d = %+v, %v; want control token %q", id, e, err, s)
					}
					ids[s] = id
				}
				with, err := m.Tokenize(text, false, true)
				if err != nil {
					t.Fatal(err)
				}
				without, err := m.Tokenize(text, false, false)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range special {
					if n := countID(with, ids[s]); n != 2 {
						t.Errorf("parse special: %s is %d tokens of %v, want 2", s, n, with)
					}
					if n := countID(without, ids[s]); n != 0 {
						t.Errorf("no parse special: %s appears %d times in %v", s, n, without)
					}
				}
				if len(without) <= len(with)+4 {
					t.Errorf("plain-text markers take %d tokens, parsed ones %d: markers are not single tokens", len(without), len(with))
				}
				back, err := m.Detokenize(without)
				if err != nil || !strings.Contains(back, "<|im_start|>user") {
					t.Errorf("plain-text tokens spell %q, %v", back, err)
				}
			})
		}
	}
}

func countID(ids []int32, id int32) int {
	return len(slices.DeleteFunc(slices.Clone(ids), func(x int32) bool { return x != id }))
}
