package tasks

import (
	"context"
	"math"
	"testing"

	"github.com/calibkit/calibkit/internal/llama"
)

// independentMeans tokenizes the candidate texts, finds the tokens they all
// share, decodes each text alone in a one-sequence context and returns the
// mean log-probability (float64, in Go) of each text's tokens after the
// shared ones: what upstream's acc_norm averages, computed without packing,
// shared prefixes or its float sums.
func independentMeans(t *testing.T, m *llama.Model, texts []string) []float64 {
	t.Helper()
	seqs := make([][]int32, len(texts))
	for i, s := range texts {
		toks, err := m.Tokenize(s, true, false)
		if err != nil {
			t.Fatal(err)
		}
		seqs[i] = toks
	}
	cp := commonPrefix(seqs)
	lctx, err := llama.NewContext(m, llama.ContextParams{NCtx: 256, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer lctx.Close()
	b := llama.NewBatch(256)
	defer b.Close()
	out := make([]float64, len(seqs))
	for i, toks := range seqs {
		lctx.ClearMemory()
		b.Clear()
		for k, tok := range toks {
			if err := b.Add(tok, int32(k), 0, true); err != nil {
				t.Fatal(err)
			}
		}
		if err := lctx.Decode(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		var sum float64
		for j := cp - 1; j < len(toks)-1; j++ {
			logits, err := lctx.Logits(j)
			if err != nil {
				t.Fatal(err)
			}
			sum += goLogSoftmax(logits, toks[j+1])
		}
		out[i] = sum / float64(len(toks)-cp)
	}
	return out
}

func goLogSoftmax(logits []float32, tok int32) float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v))
	}
	var s float64
	for _, v := range logits {
		s += math.Exp(float64(v) - mx)
	}
	return float64(logits[tok]) - mx - math.Log(s)
}
