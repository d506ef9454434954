package perplexity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

func TestMain(m *testing.M) { synthtest.Main(m) }

func loadModel(t testing.TB, path string) *llama.Model {
	t.Helper()
	m, err := llama.LoadModel(path, llama.ModelParams{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func tiny(t testing.TB) *llama.Model {
	return loadModel(t, synthtest.Model(t, "tiny", synth.Default()))
}

// other has the same vocabulary as tiny and other weights: a stand-in for
// a quantized model.
func other(t testing.TB) *llama.Model {
	o := synth.Default()
	o.Seed = 7
	return loadModel(t, synthtest.Model(t, "other", o))
}

func run(t *testing.T, m *llama.Model, text string, o Options) *Result {
	t.Helper()
	if o.Threads == 0 {
		o.Threads = 2
	}
	res, err := Run(context.Background(), m, text, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

var runningRe = regexp.MustCompile(`^(\[\d+\]\d+\.\d{4},)+\n$`)

func TestRunPrintsLikeUpstream(t *testing.T) {
	m := tiny(t)
	var out, log bytes.Buffer
	res := run(t, m, synthtest.Text(40), Options{NCtx: 64, NBatch: 128, Chunks: 5, Out: &out, Log: &log})
	if res.Chunks != 5 || len(res.ChunkNLL) != 5 || res.NSeq != 2 || res.Tokens != 5*64 {
		t.Fatalf("result %+v", res)
	}
	if !runningRe.MatchString(out.String()) || strings.Count(out.String(), "[") != 5 {
		t.Fatalf("running line %q", out.String())
	}
	var nll, nll2 float64
	n := 0
	for _, c := range res.ChunkNLL {
		if c.Count != 64-1-32 {
			t.Fatalf("chunk count %d", c.Count)
		}
		nll += c.Sum
		nll2 += c.SumSq
		n += c.Count
	}
	if n != res.Scored {
		t.Fatalf("scored %d, chunks sum to %d", res.Scored, n)
	}
	mean := nll / float64(n)
	if ppl := math.Exp(mean); math.Abs(ppl-res.PPL) > 1e-9*ppl {
		t.Fatalf("PPL %v, chunk sums give %v", res.PPL, ppl)
	}
	wantErr := math.Sqrt((nll2/float64(n)-mean*mean)/float64(n-1)) * res.PPL
	if math.Abs(wantErr-res.PPLError) > 1e-9*wantErr {
		t.Fatalf("error %v, want %v", res.PPLError, wantErr)
	}
	last := fmt.Sprintf("[5]%.4f,\n", res.PPL)
	if !strings.HasSuffix(out.String(), last) {
		t.Fatalf("running line %q does not end with %q", out.String(), last)
	}
	if want := fmt.Sprintf("Final estimate: PPL = %.4f +/- %.5f\n", res.PPL, res.PPLError); !strings.Contains(log.String(), want) {
		t.Fatalf("log %q lacks %q", log.String(), want)
	}
}

// TestBatchLayoutsAgree: chunks side by side (-b 4×c), one per batch, and a
// batch smaller than a chunk (two decodes per chunk) give the same values.
func TestBatchLayoutsAgree(t *testing.T) {
	m := tiny(t)
	text := synthtest.Text(40)
	ref := run(t, m, text, Options{NCtx: 64, NBatch: 256, Chunks: 4})
	for _, b := range []int{64, 32} {
		res := run(t, m, text, Options{NCtx: 64, NBatch: b, Chunks: 4})
		if math.Abs(res.PPL-ref.PPL) > 1e-4*ref.PPL {
			t.Errorf("-b %d: PPL %v, -b 256 gives %v", b, res.PPL, ref.PPL)
		}
		if res.NSeq != 1 {
			t.Errorf("-b %d: %d sequences", b, res.NSeq)
		}
	}
}

func TestFlashAttnOnOffAgree(t *testing.T) {
	m := tiny(t)
	text := synthtest.Text(40)
	on := run(t, m, text, Options{NCtx: 64, Chunks: 4, FlashAttn: llama.FlashAttnOn})
	off := run(t, m, text, Options{NCtx: 64, Chunks: 4, FlashAttn: llama.FlashAttnOff})
	// f16 rounding of the attention probabilities differs between the paths
	if math.Abs(on.PPL-off.PPL) > 1e-4*on.PPL {
		t.Fatalf("-fa on PPL %v, -fa off %v", on.PPL, off.PPL)
	}
	for i := range on.ChunkNLL {
		a, b := on.ChunkNLL[i].Sum, off.ChunkNLL[i].Sum
		if math.Abs(a-b) > 1e-4*math.Abs(a) {
			t.Fatalf("chunk %d: NLL %v with -fa on, %v off", i+1, a, b)
		}
	}
}

func TestTooShort(t *testing.T) {
	m := tiny(t)
	_, err := Run(context.Background(), m, "a short text", Options{NCtx: 512, Threads: 1})
	if !errors.Is(err, ErrTooShort) || !strings.Contains(err.Error(), "needs at least 1024") {
		t.Fatalf("error %v", err)
	}
}

func TestCancel(t *testing.T) {
	m := tiny(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, m, synthtest.Text(40), Options{NCtx: 64, Threads: 1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
}
