package llama

import (
	"fmt"
	"testing"

	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// BenchmarkTrainStep measures training tokens/s: one AdamW step per window
// of 256 tokens, for the shapes (layers × width) the issue measured, with
// calibkit model train's default widths of the feed-forward (about 2.75×)
// and a vocabulary of 2048.
//
//	go test -run='^$' -bench=TrainStep -benchtime=20x ./internal/llama/
func BenchmarkTrainStep(b *testing.B) {
	for _, sh := range []struct{ layers, embd, ff int }{{2, 128, 352}, {2, 256, 768}, {4, 256, 768}, {6, 384, 1056}} {
		b.Run(fmt.Sprintf("%dx%d", sh.layers, sh.embd), func(b *testing.B) {
			o := synth.Default()
			o.Layers, o.Embd, o.FF, o.Heads, o.KVHeads = sh.layers, sh.embd, sh.ff, 4, 4
			o.Name = fmt.Sprintf("bench-train-%dx%d", sh.layers, sh.embd)
			m, err := LoadModel(synthtest.BenchModel(b, o.Name, o), ModelParams{NoMmap: true})
			if err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			tr, err := NewTrainer(m, TrainParams{NCtx: 256, Threads: synthtest.BenchThreads(b, 2)})
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close()
			toks, err := m.Tokenize(synthtest.Text(40), true, false)
			if err != nil {
				b.Fatal(err)
			}
			opt := AdamW{LR: 1e-4, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
			if _, err := tr.Step(toks[:256], toks[1:257], opt); err != nil { // warm-up
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := tr.Step(toks[:256], toks[1:257], opt); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(256*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
