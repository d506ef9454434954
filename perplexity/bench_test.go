package perplexity

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// BenchmarkFlashAttn decides calibkit's -fa default: it scores the same
// chunks with -fa off and -fa on in the same binary, alternating which goes
// first, on $CALIBKIT_BENCH_MODEL or a synthesized 12-layer 768-wide f32
// model (the issue's), -c 512 with 4 chunks (side by side, as the default
// batch does), $CALIBKIT_BENCH_THREADS threads (default 2). Metrics: tok/s
// of each (best wall time), the median of the pairs' off/on speed ratios
// and the ratio of process CPU time. Run with the native build:
//
//	CGO_CFLAGS="-O3 -march=native -ffp-contract=off" CGO_CXXFLAGS="-O3 -march=native -ffp-contract=off" \
//	  go test -run '^$' -bench FlashAttn -benchtime 3x ./perplexity/
func BenchmarkFlashAttn(b *testing.B) {
	o := synth.Default()
	o.Layers, o.Embd, o.FF, o.Heads, o.KVHeads, o.VocabSize, o.Type = 12, 768, 2048, 12, 12, 8000, synth.TypeF32
	path := synthtest.BenchModel(b, "bench-12x768-f32", o)
	threads := min(synthtest.BenchThreads(b, 2), runtime.NumCPU())
	m := loadModel(b, path)
	text := synthtest.Text(200)
	pass := func(fa llama.FlashAttn) (time.Duration, time.Duration, int) {
		c0 := synthtest.CPUTime()
		r, err := Run(context.Background(), m, text, Options{NCtx: 512, Chunks: 4, Threads: threads, FlashAttn: fa})
		if err != nil {
			b.Fatal(err)
		}
		return r.Elapsed, synthtest.CPUTime() - c0, r.Tokens
	}
	pass(llama.FlashAttnOff) // warm the page cache
	best := map[llama.FlashAttn]time.Duration{llama.FlashAttnOff: 1 << 62, llama.FlashAttnOn: 1 << 62}
	cpu := map[llama.FlashAttn]time.Duration{}
	var tokens int
	var ratios []float64
	b.ResetTimer()
	for i := range b.N {
		order := []llama.FlashAttn{llama.FlashAttnOff, llama.FlashAttnOn}
		if i%2 == 1 {
			order[0], order[1] = order[1], order[0]
		}
		wall := map[llama.FlashAttn]time.Duration{}
		for _, fa := range order {
			w, c, n := pass(fa)
			wall[fa], best[fa], cpu[fa], tokens = w, min(best[fa], w), cpu[fa]+c, n
		}
		ratios = append(ratios, wall[llama.FlashAttnOn].Seconds()/wall[llama.FlashAttnOff].Seconds())
	}
	b.ReportMetric(float64(tokens)/best[llama.FlashAttnOff].Seconds(), "fa-off-tok/s")
	b.ReportMetric(float64(tokens)/best[llama.FlashAttnOn].Seconds(), "fa-on-tok/s")
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "median-off/on-speed")
	b.ReportMetric(cpu[llama.FlashAttnOn].Seconds()/cpu[llama.FlashAttnOff].Seconds(), "cpu-on/off")
	b.ReportMetric(float64(threads), "threads")
}
