package imatrix

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// BenchmarkCollectOverhead compares, in the same binary and at the same
// thread count, decoding chunks while collecting the importance matrix with
// decoding the same chunks without the evaluation hook. The model is
// $CALIBKIT_BENCH_MODEL, or a synthesized F16 model of about 97M parameters
// (12 layers, 768 wide, feed-forward 2048, 12 heads, 8000-token vocabulary);
// the thread count is $CALIBKIT_BENCH_THREADS (default: every CPU). Each
// iteration decodes the same chunks (2 of 512 tokens, side by side as
// llama-imatrix's default batch does) plainly, then with the collector,
// alternating so that both see the same machine load. Perplexity is off in
// both, so only the hook differs.
//
// Metrics: tokens/s of each from the best wall time over the iterations,
// their ratio (target ≥ 0.97), the median over iterations of each
// plain/hook pair's wall-time ratio (steadier than best-of-N on a shared
// machine; the pair's order alternates), and the ratio of process CPU time (robust on
// a busy machine when the thread count is 1; with more threads it also
// counts ggml's spin-waiting). Run with the native build:
//
//	CGO_CFLAGS="-O3 -march=native -ffp-contract=off" CGO_CXXFLAGS="-O3 -march=native -ffp-contract=off" \
//	  go test -run '^$' -bench CollectOverhead -benchtime 3x ./imatrix/
func BenchmarkCollectOverhead(b *testing.B) {
	o := synth.Default()
	o.Layers, o.Embd, o.FF, o.Heads, o.KVHeads, o.VocabSize, o.Type = 12, 768, 2048, 12, 12, 8000, synth.TypeF16
	path := synthtest.BenchModel(b, "bench-97m", o)
	threads := synthtest.BenchThreads(b, runtime.NumCPU())
	m := loadModel(b, path)
	text := synthtest.Text(400)
	opts := ComputeOptions{NCtx: 512, NBatch: 1024, Chunks: 2, NoPPL: true, Threads: threads}
	pass := func(c *Collector) (wall, cpu time.Duration, tokens int) {
		c0 := synthtest.CPUTime()
		r, err := Compute(context.Background(), m, c, text, opts)
		if err != nil {
			b.Fatal(err)
		}
		return r.Elapsed, synthtest.CPUTime() - c0, r.Tokens
	}
	pass(nil) // warm the page cache and the allocator
	bestPlain, bestHook := time.Duration(1<<62), time.Duration(1<<62)
	var cpuPlain, cpuHook time.Duration
	var tokens int
	ratios := make([]float64, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		// Alternate which pass runs first so that neither always meets a
		// warmer or colder machine; the pair's ratio is one sample.
		var wPlain, wHook time.Duration
		runPlain := func() {
			w, c, n := pass(nil)
			wPlain, bestPlain, cpuPlain, tokens = w, min(bestPlain, w), cpuPlain+c, n
		}
		runHook := func() {
			coll := NewCollector(CollectorOptions{ChunkSize: 512})
			w, c, _ := pass(coll)
			wHook, bestHook, cpuHook = w, min(bestHook, w), cpuHook+c
			if coll.Len() == 0 {
				b.Fatal("nothing collected")
			}
		}
		if i%2 == 0 {
			runPlain()
			runHook()
		} else {
			runHook()
			runPlain()
		}
		ratios = append(ratios, wPlain.Seconds()/wHook.Seconds())
	}
	plainTPS := float64(tokens) / bestPlain.Seconds()
	hookTPS := float64(tokens) / bestHook.Seconds()
	b.ReportMetric(plainTPS, "plain-tok/s")
	b.ReportMetric(hookTPS, "imatrix-tok/s")
	b.ReportMetric(hookTPS/plainTPS, "ratio")
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "median-pair-ratio")
	b.ReportMetric(cpuPlain.Seconds()/cpuHook.Seconds(), "cpu-ratio")
	b.ReportMetric(float64(threads), "threads")
}
