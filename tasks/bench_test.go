package tasks

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/calibkit/calibkit/internal/llamacpptest"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// benchModelPath is $CALIBKIT_BENCH_MODEL or a synthesized F16 model of
// about 10M parameters (4 layers, 256 wide, feed-forward 688, 8000 tokens),
// large enough that decoding, not process start, dominates.
func benchModelPath(b *testing.B) string {
	o := synth.Default()
	o.Layers, o.Embd, o.FF, o.Heads, o.KVHeads, o.VocabSize, o.Type = 4, 256, 688, 8, 4, 8000, synth.TypeF16
	return synthtest.BenchModel(b, "bench", o)
}

// BenchmarkVsLlamaPerplexity compares task scoring speed with
// llama-perplexity's on the same model, file and thread count
// ($CALIBKIT_BENCH_THREADS, default every CPU), as a paired,
// order-alternating comparison: each iteration times both tools on N
// tasks and on 1 task, in alternating order, and takes the difference, so
// that process start, model loading and context creation (llama-perplexity
// pays them per run, this package per call) cancel out; tasks/s is
// (N-1)/difference. Metrics: each tool's tasks/s from its median, and the
// median over iterations of the per-pair speed ratio (target ≥ 0.97).
//
//	CALIBKIT_LLAMA_CPP=../shared/llama.cpp CGO_CFLAGS="-O3 -march=native -ffp-contract=off" CGO_CXXFLAGS="-O3 -march=native -ffp-contract=off" \
//	  go test -run '^$' -bench VsLlamaPerplexity -benchtime 3x -timeout 60m ./tasks/
func BenchmarkVsLlamaPerplexity(b *testing.B) {
	exe := llamacpptest.Tool(b, "llama-perplexity")
	threads := synthtest.BenchThreads(b, runtime.NumCPU())
	path := benchModelPath(b)
	m := testModelAt(b, path)
	tmp := b.TempDir()
	var hs, wg, mc bytes.Buffer
	WriteHellaswag(&hs, genHellaswag(40, 11))
	WriteWinogrande(&wg, genWinogrande(100, 12))
	WriteMultipleChoice(&mc, genMultipleChoice(60, 13))
	for _, c := range []struct {
		mode Mode
		flag string
		data []byte
		n    int
	}{{Hellaswag, "--hellaswag", hs.Bytes(), 40}, {Winogrande, "--winogrande", wg.Bytes(), 100}, {MultipleChoice, "--multiple-choice", mc.Bytes(), 60}} {
		b.Run(string(c.mode), func(b *testing.B) {
			file := filepath.Join(tmp, string(c.mode))
			if err := os.WriteFile(file, c.data, 0o644); err != nil {
				b.Fatal(err)
			}
			upstream := func(n int) time.Duration {
				t0 := time.Now()
				cmd := exec.Command(exe, "-m", path, "-f", file, c.flag, c.flag+"-tasks", strconv.Itoa(n), "-c", "512", "-t", strconv.Itoa(threads))
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("llama-perplexity: %v\n%s", err, out)
				}
				return time.Since(t0)
			}
			ours := func(n int) time.Duration {
				t0 := time.Now()
				if _, err := Score(context.Background(), m, c.mode, bytes.NewReader(c.data), file, Options{NCtx: 512, Threads: threads, Tasks: n}); err != nil {
					b.Fatal(err)
				}
				return time.Since(t0)
			}
			ours(c.n) // warm up
			upstream(c.n)
			var tu, to, ratios []float64
			b.ResetTimer()
			for i := range b.N {
				var du, do time.Duration
				if i%2 == 0 {
					du = upstream(c.n) - upstream(1)
					do = ours(c.n) - ours(1)
				} else {
					do = ours(c.n) - ours(1)
					du = upstream(c.n) - upstream(1)
				}
				tu = append(tu, du.Seconds())
				to = append(to, do.Seconds())
				ratios = append(ratios, du.Seconds()/do.Seconds())
			}
			b.StopTimer()
			b.ReportMetric(float64(c.n-1)/median(tu), "upstream-tasks/s")
			b.ReportMetric(float64(c.n-1)/median(to), "calibkit-tasks/s")
			b.ReportMetric(median(ratios), "speed-ratio")
		})
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkScore times this package alone on the benchmark model: tasks/s
// per mode at $CALIBKIT_BENCH_THREADS (default every CPU).
//
//	go test -run '^$' -bench 'Score$' -benchtime 3x ./tasks/
func BenchmarkScore(b *testing.B) {
	path := benchModelPath(b)
	m := testModelAt(b, path)
	threads := synthtest.BenchThreads(b, runtime.NumCPU())
	var hs, wg, mc bytes.Buffer
	WriteHellaswag(&hs, genHellaswag(120, 11))
	WriteWinogrande(&wg, genWinogrande(300, 12))
	WriteMultipleChoice(&mc, genMultipleChoice(200, 13))
	for _, c := range []struct {
		mode Mode
		data []byte
	}{{Hellaswag, hs.Bytes()}, {Winogrande, wg.Bytes()}, {MultipleChoice, mc.Bytes()}} {
		b.Run(string(c.mode), func(b *testing.B) {
			n := 0
			for range b.N {
				res, err := Score(context.Background(), m, c.mode, bytes.NewReader(c.data), string(c.mode), Options{NCtx: 512, Threads: threads})
				if err != nil {
					b.Fatal(err)
				}
				n += res.Scored
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "tasks/s")
		})
	}
}
