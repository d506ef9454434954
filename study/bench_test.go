package study

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/calibkit/calibkit/internal/filehash"
)

// BenchmarkRunnerOverhead runs a demo-sized grid (3 imatrix sources × 2
// variants × 2 eval sets on the synthesized model, the linked engine)
// once and reports the runner's own share of the wall time (planning,
// hashing, storing entries, records and report: everything outside the
// steps' work, plus the CPU time of the entries written in the background
// while the steps work), then times reruns of the finished study, which
// do no model work. BenchmarkDemoStudy (cli/cmd/demo) runs the
// demo's own grid several times and reports medians.
//
//	go test -run='^$' -bench=RunnerOverhead -benchtime=20x ./study/
func BenchmarkRunnerOverhead(b *testing.B) {
	dir, s := fixture(b, gridBody)
	b.Setenv(filehash.CacheEnv, filepath.Join(dir, "hash-cache")) // as calibkit runs
	out := filepath.Join(dir, "out")
	res, err := Run(context.Background(), Options{Spec: s, Dir: out})
	if err != nil {
		b.Fatal(err, res.Failed)
	}
	b.ResetTimer()
	for range b.N {
		r, err := Run(context.Background(), Options{Spec: s, Dir: out})
		if err != nil || r.Computed != 0 {
			b.Fatal(err, r.Computed)
		}
	}
	b.ReportMetric(100*(res.Seconds-res.StepSeconds+res.BackgroundCPUSeconds)/res.Seconds, "%runner-first-run")
	b.ReportMetric(1000*res.BackgroundCPUSeconds, "ms-background-cpu-first-run")
	b.ReportMetric(res.StepSeconds, "s-steps-first-run")
	b.ReportMetric(1000*res.PlanSeconds, "ms-plan-first-run")
	b.ReportMetric(1000*res.ReportSeconds, "ms-report-first-run")
}
