package perplexity_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/perplexity"
)

// Score a text, save the base model's log-probabilities, and compare
// another model with them.
func Example() {
	dir, _ := os.MkdirTemp("", "perplexity-example-")
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
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. 朝の駅はいつも混雑している。\n", 40)

	base := filepath.Join(dir, "base.kld")
	res, err := perplexity.Run(context.Background(), m, text, perplexity.Options{NCtx: 64, Chunks: 4, Threads: 1, SaveBase: base})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Mode, res.Chunks, "chunks,", res.Scored, "tokens scored, PPL > 1:", res.PPL > 1)

	kld, err := perplexity.Run(context.Background(), m, "", perplexity.Options{KLDBase: base, Threads: 1})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: same top token ≥ 95%%: %v, |KLD| < 0.001: %v\n", kld.Mode, kld.KLD.SameTop >= 0.95, kld.KLD.KLD < 1e-3 && kld.KLD.KLD > -1e-3)
	// Output:
	// kld-base 4 chunks, 124 tokens scored, PPL > 1: true
	// kld: same top token ≥ 95%: true, |KLD| < 0.001: true
}
