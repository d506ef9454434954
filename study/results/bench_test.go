package results

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/calibkit/calibkit/study/engine"
	"github.com/calibkit/calibkit/tasks"
)

// demoGrid returns records shaped like `calibkit demo`'s study: 4 imatrix
// sources × 2 variants × 3 eval sets of 8 chunks, and each quant's score
// on a 20-task set.
func demoGrid() []*Record {
	rng := rand.New(rand.NewPCG(1, 2))
	var out []*Record
	i := 0
	for _, src := range []string{"none", "en", "en+ja", "en+ja+zh"} {
		for _, v := range []string{"M", "L"} {
			for _, e := range []string{"en", "ja", "zh"} {
				nll := make([]float64, 8)
				for j := range nll {
					nll[j] = 8 + rng.Float64()/4
				}
				out = append(out, &Record{Study: "demo", Index: i, Cell: src + "/" + v + "/" + e, Source: src, Baseline: "none",
					Variant: v, Eval: e, PPL: 3500 + 100*rng.Float64(), PPLError: 170, ChunkNLL: nll})
				i++
			}
			var its []tasks.Item
			var items []engine.TaskItem
			for j := range 20 {
				c := rng.IntN(4) == 0
				its = append(its, tasks.Item{Task: j, Correct: c})
				items = append(items, engine.TaskItem{Pos: j, Task: j, Correct: c})
			}
			s := tasks.Summarize(tasks.MultipleChoice, its)
			out = append(out, &Record{Study: "demo", Index: i, Cell: src + "/" + v + "/next-words", Source: src, Baseline: "none", Variant: v, Task: "next-words",
				TaskScore: &TaskScore{TaskResult: engine.TaskResult{Mode: "multiple-choice", Scored: s.Scored, Correct: s.Correct, Accuracy: s.Accuracy,
					StdErr: s.StdErr, Wilson95: s.Wilson95, Items: items}}})
			i++
		}
	}
	return out
}

// BenchmarkBuild rebuilds the report of a demo-shaped study (results.csv,
// results.md and its seven PNG charts: three of bars, three forest plots
// of the paired PPL, the task set's bars) from its results.jsonl: the
// report's part of the study runner's own cost. ns/op includes a second
// drawing of the charts alone, timed as ms-charts; ms-build is the rest.
func BenchmarkBuild(b *testing.B) {
	dir := b.TempDir()
	recs := demoGrid()
	if err := Append(context.Background(), filepath.Join(dir, FileName), recs...); err != nil {
		b.Fatal(err)
	}
	var charts time.Duration
	for b.Loop() {
		rep, err := Build(dir, "demo")
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Charts) != 7 || rep.Records != len(recs) {
			b.Fatalf("report: %+v", rep)
		}
		t0 := time.Now()
		if _, err := WriteCharts(dir, recs); err != nil {
			b.Fatal(err)
		}
		charts += time.Since(t0)
	}
	b.ReportMetric(charts.Seconds()*1000/float64(b.N), "ms-charts")
	b.ReportMetric((b.Elapsed()-charts).Seconds()*1000/float64(b.N), "ms-build")
}
