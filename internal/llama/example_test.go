package llama_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
)

// A vocabulary-only load is enough to count tokens, even for a large model.
func ExampleModel_Tokenize() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tiny.gguf")
	if err := synth.WriteFile(path, synth.Default()); err != nil {
		panic(err)
	}
	m, err := llama.LoadModel(path, llama.ModelParams{VocabOnly: true})
	if err != nil {
		panic(err)
	}
	defer m.Close()
	toks, err := m.Tokenize("こんにちは", true, false)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.VocabType(), m.AddBOS(), toks[0] == m.BOS(), len(toks) > 1)
	// Output: spm true true true
}

func ExampleContext_Decode() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tiny.gguf")
	if err := synth.WriteFile(path, synth.Default()); err != nil {
		panic(err)
	}
	m, err := llama.LoadModel(path, llama.ModelParams{})
	if err != nil {
		panic(err)
	}
	defer m.Close()
	ctx, err := llama.NewContext(m, llama.ContextParams{NCtx: 64, NBatch: 64, Threads: 1})
	if err != nil {
		panic(err)
	}
	defer ctx.Close()
	toks, _ := m.Tokenize("Hello, world.", true, false)
	b := llama.NewBatch(64)
	defer b.Close()
	for i, t := range toks {
		b.Add(t, int32(i), 0, i == len(toks)-1) // logits for the last token only
	}
	if err := ctx.Decode(context.Background(), b); err != nil {
		panic(err)
	}
	logits, err := ctx.Logits(len(toks) - 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(logits) == m.NVocab())
	// Output: true
}
