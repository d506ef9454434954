package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/chat"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/manifest"
)

// TestDemoTexts checks the demo's training conversations: rendered with
// DemoChatTemplate through corpus.BuildChat, so the manifest says they are
// chat-formatted, and the template gives the same text from a model's GGUF.
func TestDemoTexts(t *testing.T) {
	texts, err := DemoTexts(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(texts["train-chat"])
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if !strings.HasPrefix(text, "<|im_start|>user\n") || strings.Count(text, "<|im_start|>") != strings.Count(text, "<|im_end|>") ||
		strings.Count(text, "<|im_start|>assistant\n") < 2*36 {
		t.Errorf("training conversations %.100q…", text)
	}
	if special, err := manifest.SpecialTokensOf(texts["train-chat"]); err != nil || !special {
		t.Errorf("manifest: special tokens %v, %v", special, err)
	}
	for _, k := range []string{"train-ja", "calib-en", "eval-ja", "train-chat.jsonl", "eval-chat.jsonl"} {
		if _, err := os.Stat(texts[k]); err != nil {
			t.Errorf("%s: %v", k, err)
		}
	}
	if got := DemoInputs(texts); len(got) != 3 || got[2] != texts["train-chat"] {
		t.Errorf("DemoInputs = %v", got)
	}
}

// TestRunParsesSpecialTokens trains a tiny model with the demo's turn
// markers on the rendered conversations: the model carries the chat
// template, and the tokens it trained on are the text's tokens with the
// markers read as single control tokens, not spelled out.
func TestRunParsesSpecialTokens(t *testing.T) {
	dir := t.TempDir()
	texts, err := DemoTexts(context.Background(), filepath.Join(dir, "texts"))
	if err != nil {
		t.Fatal(err)
	}
	o := Demo([]string{texts["train-chat"]})
	o.Model.Embd, o.Model.FF, o.Model.Heads, o.Model.KVHeads = 64, 128, 4, 2
	o.Output, o.Steps, o.Threads = filepath.Join(dir, "m.gguf"), 4, 2
	r, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	mt, err := chat.FromGGUF(o.Output)
	if err != nil || mt.Source != DemoChatTemplate {
		t.Errorf("chat template %q, %v", mt.Source, err)
	}
	m, err := llama.LoadModel(o.Output, llama.ModelParams{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	srcs, err := readSources(o.Inputs, o.HeldOut)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := m.Tokenize(srcs[0].Train, true, true)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := m.Tokenize(srcs[0].Train, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if r.Files[0].TrainTokens != len(parsed) || len(plain) <= len(parsed) {
		t.Errorf("trained on %d tokens; the text is %d with special tokens parsed, %d without", r.Files[0].TrainTokens, len(parsed), len(plain))
	}
	man, err := manifest.Read(manifest.Path(o.Output))
	if err != nil || man.Parameters["parse_special"] != true {
		t.Errorf("manifest parameters %v, %v", man.Parameters, err)
	}
}
