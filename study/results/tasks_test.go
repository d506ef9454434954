package results

import (
	"bytes"
	"encoding/csv"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/study/engine"
	"github.com/calibkit/calibkit/tasks"
)

// exactMcNemar is the two-sided exact p-value computed independently:
// the binomial tail summed in exact rationals.
func exactMcNemar(b, c int) float64 {
	k := b + c
	if k == 0 {
		return 1
	}
	tail := new(big.Rat)
	for i := 0; i <= min(b, c); i++ {
		tail.Add(tail, new(big.Rat).SetFrac(new(big.Int).Binomial(int64(k), int64(i)), new(big.Int).Lsh(big.NewInt(1), uint(k))))
	}
	f, _ := tail.Float64()
	return math.Min(1, 2*f)
}

func items(correct ...bool) []engine.TaskItem {
	out := make([]engine.TaskItem, len(correct))
	for i, c := range correct {
		out[i] = engine.TaskItem{Pos: i, Task: i, Correct: c}
	}
	return out
}

func TestMcNemar(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + r.IntN(300)
		cell, base := make([]bool, n), make([]bool, n)
		pc, pb := r.Float64(), r.Float64()
		var b, c, both int
		for i := range n {
			cell[i], base[i] = r.Float64() < pc, r.Float64() < pb
			switch {
			case cell[i] && base[i]:
				both++
			case cell[i]:
				b++
			case base[i]:
				c++
			}
		}
		p, err := McNemar(items(cell...), items(base...))
		if err != nil {
			t.Fatal(err)
		}
		if p.N != n || p.CellOnly != b || p.BaseOnly != c || p.Both != both {
			t.Fatalf("trial %d: %+v, want b=%d c=%d", trial, p, b, c)
		}
		if want := exactMcNemar(b, c); math.Abs(p.P-want) > 1e-9*math.Max(want, 1e-300) && math.Abs(p.P-want) > 1e-12 {
			t.Fatalf("trial %d (b=%d c=%d): p %g, want %g", trial, b, c, p.P, want)
		}
		// the difference of the two accuracies, and its Wald interval
		accC, accB := 0.0, 0.0
		for i := range n {
			if cell[i] {
				accC++
			}
			if base[i] {
				accB++
			}
		}
		d := 100 * (accC - accB) / float64(n)
		fb, fc, fn := float64(b), float64(c), float64(n)
		se := math.Sqrt(fb+fc-(fb-fc)*(fb-fc)/fn) / fn
		if math.Abs(p.Diff-d) > 1e-9 || math.Abs(p.Hi-p.Diff-100*1.96*se) > 1e-3*math.Max(1, 100*se) {
			t.Fatalf("trial %d: %+v, want %g ± %g", trial, p, d, 196*se)
		}
	}
	// textbook case: 10 discordant pairs split 9 to 1: p = 2·(1+10)/1024
	p, _ := McNemar(items(true, true, true, true, true, true, true, true, true, false, true), items(false, false, false, false, false, false, false, false, false, true, true))
	if math.Abs(p.P-22.0/1024) > 1e-12 || !p.Significant() {
		t.Errorf("%+v", p)
	}
	if _, err := McNemar(items(true), items(true, false)); err == nil || !strings.Contains(err.Error(), "1 and 2 tasks") {
		t.Errorf("error %v", err)
	}
	a, b := items(true, false), items(true, false)
	b[0].Task = 5
	if _, err := McNemar(a, b); err == nil {
		t.Error("different tasks at one position paired")
	}
	b[0].Task = -1 // an engine that does not know file indexes pairs by position
	if _, err := McNemar(a, b); err != nil {
		t.Error(err)
	}
}

func taskRecs() []*Record {
	mk := func(i int, src string, correct ...bool) *Record {
		var its []tasks.Item
		for j, c := range correct {
			its = append(its, tasks.Item{Task: j, Correct: c})
		}
		s := tasks.Summarize(tasks.MultipleChoice, its)
		return &Record{Study: "s", Index: i, Cell: src + "/M/mc", Source: src, Baseline: "none", Variant: "M", Task: "mc",
			TaskScore: &TaskScore{TaskResult: engine.TaskResult{Mode: "multiple-choice", Scored: s.Scored, Correct: s.Correct, Accuracy: s.Accuracy,
				StdErr: s.StdErr, Wilson95: s.Wilson95, Items: items(correct...)}}}
	}
	tr := func(n, k int) []bool {
		out := make([]bool, n)
		for i := range k {
			out[i] = true
		}
		return out
	}
	return append(recs(), mk(3, "none", tr(40, 10)...), mk(4, "en", tr(40, 22)...), mk(5, "ja", tr(40, 11)...))
}

func TestTaskTableCSVAndChart(t *testing.T) {
	rs := taskRecs()
	var md bytes.Buffer
	if err := WriteMarkdown(&md, "t", rs); err != nil {
		t.Fatal(err)
	}
	// en: 12 right where none was wrong, none the other way: p = 2/2^12
	for _, want := range []string{"| variant | imatrix | wiki |", "| M | en | 9.50 ± 0.10",
		"| variant | imatrix | mc (multiple-choice, 40 tasks) |",
		"| M | none | 25.0 ± 6.9 [14.2, 40.2]<br>(baseline) |",
		"| M | en | 55.0 ± 8.0 [39.8, 69.3]<br>**+30 pp [+16, +44], p 0.000488** |",
		"| M | ja | 27.5 ± 7.1 [16.1, 42.8]<br>+2.5 pp [-2.3, +7.3], p 1 |"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("results.md lacks %q:\n%s", want, md.String())
		}
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, rs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 7 {
		t.Fatalf("%d rows %v", len(rows), err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	en := rows[5]
	if en[col["task"]] != "mc" || en[col["accuracy"]] != "55" || en[col["tasks_scored"]] != "40" || !near(en[col["mcnemar_p"]], 2.0/4096) ||
		en[col["dacc_vs_baseline_pp"]] != "30" || en[col["ppl"]] != "" || rows[1][col["task"]] != "" || rows[2][col["dlogppl_vs_baseline"]] == "" {
		t.Errorf("rows %q / %q", rows[0], en)
	}
	dir := t.TempDir()
	charts, err := WriteCharts(dir, rs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "chart-wiki.png"), filepath.Join(dir, "chart-paired-ppl-wiki.png"), filepath.Join(dir, "chart-task-mc.png")}
	if !slices.Equal(charts, want) {
		t.Fatalf("charts %v", charts)
	}
	if fi, err := os.Stat(want[2]); err != nil || fi.Size() < 1000 {
		t.Errorf("%v", err)
	}
}

func near(s string, want float64) bool {
	v, err := strconv.ParseFloat(s, 64)
	return err == nil && math.Abs(v-want) <= 1e-12
}

func TestFormatAccuracy(t *testing.T) {
	for _, c := range []struct {
		acc, se, lo, hi float64
		want            string
	}{
		{15, 8.1918, 5.24, 36.04, "15.0 ± 8.2 [5.2, 36.0]"},          // 20 tasks
		{67.3, 1.4843, 64.34, 70.13, "67.3 ± 1.5 [64.3, 70.1]"},      // 1,000
		{67.31, 0.4691, 66.38, 68.22, "67.31 ± 0.47 [66.38, 68.22]"}, // 10,000
		{67.312, 0.0469, 67.2, 67.4, "67.31 ± 0.05 [67.20, 67.40]"},  // at most 2 decimals
		{40, 24.49, 11.76, 76.93, "40 ± 24 [12, 77]"},                // 5 tasks
		{100, 0, 83.89, 100, "100.0 ± 0.0 [83.9, 100.0]"},            // all right: no spread
	} {
		ts := &TaskScore{TaskResult: engine.TaskResult{Accuracy: c.acc, StdErr: c.se, Wilson95: [2]float64{c.lo, c.hi}}}
		if got := FormatAccuracy(ts); got != c.want {
			t.Errorf("FormatAccuracy(%v ± %v) = %q, want %q", c.acc, c.se, got, c.want)
		}
	}
}
