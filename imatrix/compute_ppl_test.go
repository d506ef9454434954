package imatrix

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// TestPerplexityAsLlamaImatrixPrintsIt recomputes the running perplexity
// independently (each chunk decoded on its own without the hook, BOS over
// its first token, log-softmax in Go over the logits of the second half but
// the last position) and checks Compute's printed line
// "[1]x,[2]y,...", its final "Final estimate: PPL = X +/- Y" with
// llama-imatrix's error formula, and Result.
func TestPerplexityAsLlamaImatrixPrintsIt(t *testing.T) {
	m := loadModel(t, synthtest.Model(t, "dense", synth.Default()))
	const nCtx, chunks = 32, 4
	text := synthtest.Text(40)
	var out strings.Builder
	res := run(t, m, nil, text, ComputeOptions{NCtx: nCtx, NBatch: 2 * nCtx, Chunks: chunks, PPLOut: &out})

	tokens, err := m.Tokenize(text, true, false)
	if err != nil {
		t.Fatal(err)
	}
	lctx, err := llama.NewContext(m, llama.ContextParams{NCtx: nCtx, NBatch: nCtx, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer lctx.Close()
	b := llama.NewBatch(nCtx)
	defer b.Close()
	var nll, nll2 float64
	var count int
	var running []float64
	for i := range chunks {
		lctx.ClearMemory()
		b.Clear()
		for k := range nCtx {
			tok := tokens[i*nCtx+k]
			if k == 0 && m.AddBOS() {
				tok = m.BOS()
			}
			if err := b.Add(tok, int32(k), 0, true); err != nil {
				t.Fatal(err)
			}
		}
		if err := lctx.Decode(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		for k := nCtx / 2; k < nCtx-1; k++ {
			logits, err := lctx.Logits(k)
			if err != nil {
				t.Fatal(err)
			}
			lp := goLogSoftmax(logits, tokens[i*nCtx+k+1])
			nll -= lp
			nll2 += lp * lp
			count++
		}
		running = append(running, math.Exp(nll/float64(count)))
	}
	mean := nll / float64(count)
	ppl := math.Exp(mean)
	pplErr := math.Sqrt((nll2/float64(count)-mean*mean)/float64(count-1)) * ppl

	lines := strings.Split(out.String(), "\n")
	if len(lines) != 3 || lines[2] != "" {
		t.Fatalf("output %q: want the running line, the final estimate and nothing more", out.String())
	}
	got := regexp.MustCompile(`\[(\d+)\]([0-9.]+),`).FindAllStringSubmatch(lines[0], -1)
	if len(got) != chunks || strings.Join(flatten(got), "") != lines[0] {
		t.Fatalf("running line %q: want %d entries [i]x.xxxx,", lines[0], chunks)
	}
	for i, g := range got {
		v, _ := strconv.ParseFloat(g[2], 64)
		if g[1] != strconv.Itoa(i+1) || len(g[2]) != len(fmt.Sprintf("%.4f", v)) || math.Abs(v-running[i]) > 1e-3*running[i] {
			t.Errorf("running entry %d: %q, independent %.4f", i+1, g[0], running[i])
		}
	}
	var fp, fe float64
	if _, err := fmt.Sscanf(lines[1], "Final estimate: PPL = %f +/- %f", &fp, &fe); err != nil {
		t.Fatalf("final line %q: %v", lines[1], err)
	}
	if math.Abs(fp-ppl) > 1e-3*ppl || math.Abs(fe-pplErr) > 1e-2*pplErr+1e-5 {
		t.Errorf("final %q; independent PPL %.4f +/- %.5f", lines[1], ppl, pplErr)
	}
	if math.Abs(res.PPL-ppl) > 1e-4*ppl || math.Abs(res.PPLError-pplErr) > 1e-3*pplErr {
		t.Errorf("result %v +/- %v; independent %v +/- %v", res.PPL, res.PPLError, ppl, pplErr)
	}
}

func flatten(ms [][]string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m[0]
	}
	return out
}

// goLogSoftmax is log p(tok) in float64, independent of the C loop.
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
