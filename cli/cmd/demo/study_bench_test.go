package democmd

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/filehash"
	"github.com/calibkit/calibkit/study"
	"github.com/calibkit/calibkit/study/spec"
	"github.com/calibkit/calibkit/train/traintest"
)

// BenchmarkDemoStudy runs the demo's study grid — the spec calibkit demo
// writes to DIR/study/study.yaml, on the inputs its earlier steps make (3
// imatrix sources × Q2_K, IQ3_S × 2 eval sets with KL divergence, and the
// task set, on the trained model; the linked engine) — from nothing, once per iteration in a fresh folder, and
// then once more finished. It reports the medians over the iterations of:
// the runner's share of the first run's wall time (everything outside the
// steps' own work: planning and hashing the inputs, locks, temporary
// folders, step logs, entries and their fsyncs, records, results.jsonl,
// CSV, table and charts, and waiting for the last entries to reach the
// disk — plus the CPU time of the entries written in the background while
// the steps work, which may slow them by as much), the steps' time, the
// runner's time, that background CPU time, the planning (and hashing) and
// report parts, and the rerun's wall time (no model work). The demo's earlier steps run once, untimed.
//
//	go test -run='^$' -bench=DemoStudy -benchtime=5x ./cli/cmd/demo/
func BenchmarkDemoStudy(b *testing.B) {
	io, _, out, _ := iostreams.Test()
	dir := b.TempDir()
	// As calibkit runs: the writers record their outputs' sums, which the
	// planner's hashing then takes (a test binary has no cache otherwise).
	b.Setenv(filehash.CacheEnv, filepath.Join(dir, "hash-cache"))
	traintest.Model(b)
	st := &State{IO: io, Dir: dir, Workers: 2, ModelCache: traintest.CacheDir(), Files: map[string]string{}, Inputs: map[string][]string{}}
	steps := Steps()
	for _, step := range steps[:len(steps)-2] { // all but imatrix per mix and the study
		if err := step.Run(context.Background(), st); err != nil {
			b.Fatalf("%s: %v\n%s", step.Name, err, out)
		}
	}
	var share, stepSecs, runner, bg, plan, report, rerun []float64
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		// a sibling of DIR/study, so that the spec's ../ paths hold
		sd := filepath.Join(dir, "study-"+strings.Repeat("x", i+1))
		if err := os.MkdirAll(sd, 0o755); err != nil {
			b.Fatal(err)
		}
		if err := writeDemoTasks(st.Files["wiki.eval-en"], filepath.Join(sd, demoTaskFile)); err != nil {
			b.Fatal(err)
		}
		p := filepath.Join(sd, "study.yaml")
		if err := os.WriteFile(p, []byte(demoStudy), 0o644); err != nil {
			b.Fatal(err)
		}
		sp, err := spec.Load(p)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := study.Run(context.Background(), study.Options{Spec: sp, Dir: sd})
		if err != nil || res.Cached != 0 || res.Computed != len(res.Plan.Steps) {
			b.Fatalf("first run: %v, %+v", err, res)
		}
		again, err := study.Run(context.Background(), study.Options{Spec: sp, Dir: sd})
		if err != nil || again.Computed != 0 {
			b.Fatalf("rerun: %v, %+v", err, again)
		}
		cost := res.Seconds - res.StepSeconds + res.BackgroundCPUSeconds
		share = append(share, 100*cost/res.Seconds)
		stepSecs = append(stepSecs, res.StepSeconds)
		runner = append(runner, 1000*cost)
		bg = append(bg, 1000*res.BackgroundCPUSeconds)
		plan = append(plan, 1000*res.PlanSeconds)
		report = append(report, 1000*res.ReportSeconds)
		rerun = append(rerun, 1000*again.Seconds)
	}
	b.ReportMetric(median(share), "%runner-first-run")
	b.ReportMetric(median(stepSecs), "s-steps-first-run")
	b.ReportMetric(median(runner), "ms-runner-first-run")
	b.ReportMetric(median(bg), "ms-background-cpu-first-run")
	b.ReportMetric(median(plan), "ms-plan-first-run")
	b.ReportMetric(median(report), "ms-report-first-run")
	b.ReportMetric(median(rerun), "ms-rerun")
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
