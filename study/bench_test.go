package study

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkRunnerOverhead runs the grid once (llama.cpp's tools doing the
// model steps) and reports the runner's own share of the wall time
// (planning, hashing, storing, records and report: everything outside the
// steps), then times reruns of the finished study, which do no model work.
//
//	CALIBKIT_LLAMA_CPP=../shared/llama.cpp go test -run='^$' -bench=RunnerOverhead -benchtime=20x ./study/
func BenchmarkRunnerOverhead(b *testing.B) {
	tools := llamaCpp(b)
	dir, s := fixture(b, gridBody)
	out := filepath.Join(dir, "out")
	res, err := Run(context.Background(), Options{Spec: s, Dir: out, LlamaCpp: tools})
	if err != nil {
		b.Fatal(err, res.Failed)
	}
	b.ResetTimer()
	for range b.N {
		r, err := Run(context.Background(), Options{Spec: s, Dir: out, LlamaCpp: tools})
		if err != nil || r.Computed != 0 {
			b.Fatal(err, r.Computed)
		}
	}
	b.ReportMetric(100*(res.Seconds-res.StepSeconds)/res.Seconds, "%runner-first-run")
	b.ReportMetric(res.StepSeconds, "s-steps-first-run")
}
