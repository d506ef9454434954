package results

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/calibkit/calibkit/study/engine"
)

// pplRecords and taskRecords split the records into eval-set cells and
// task-set cells.
func pplRecords(recs []*Record) []*Record {
	var out []*Record
	for _, r := range recs {
		if r.Task == "" {
			out = append(out, r)
		}
	}
	return out
}

func taskRecords(recs []*Record) []*Record {
	var out []*Record
	for _, r := range recs {
		if r.Task != "" && r.TaskScore != nil {
			out = append(out, r)
		}
	}
	return out
}

// TaskPaired is a cell's task accuracy against the baseline's on the same
// task set and variant, task by task, with McNemar's exact test. Of the N
// tasks both scored, Both were answered right by both, CellOnly by the
// cell's quant alone, BaseOnly by the baseline's alone. Diff is the
// difference in accuracy, (CellOnly − BaseOnly)/N, in percentage points;
// Lo and Hi its 95% Wald interval for paired proportions, Diff ± 1.96·
// √(b + c − (b − c)²/N)/N (b = CellOnly, c = BaseOnly). P is McNemar's
// exact two-sided p-value: under no difference each discordant task is
// the cell's with probability 1/2, so P = min(1, 2·P[X ≤ min(b, c)]) for
// X ~ Binomial(b + c, 1/2), and 1 when no task is discordant.
type TaskPaired struct {
	N        int     `json:"n"`
	Both     int     `json:"both"`
	CellOnly int     `json:"cell_only"`
	BaseOnly int     `json:"base_only"`
	Diff     float64 `json:"diff_pp"`
	Lo       float64 `json:"lo_pp"`
	Hi       float64 `json:"hi_pp"`
	P        float64 `json:"p"`
}

// Significant says whether McNemar's test rejects no difference at 5%.
func (p TaskPaired) Significant() bool { return p.P < 0.05 }

// McNemar pairs two runs' per-task outcomes by position in the scoring
// order (both runs score the same file with the same settings, so the
// same tasks in the same order); where both know the tasks' file
// indexes, they must agree.
func McNemar(cell, base []engine.TaskItem) (TaskPaired, error) {
	if len(cell) != len(base) {
		return TaskPaired{}, fmt.Errorf("the two runs scored %d and %d tasks: not the same task set and settings", len(cell), len(base))
	}
	if len(cell) == 0 {
		return TaskPaired{}, fmt.Errorf("no per-task outcomes to pair")
	}
	var p TaskPaired
	p.N = len(cell)
	for i := range cell {
		a, b := cell[i], base[i]
		if a.Task >= 0 && b.Task >= 0 && a.Task != b.Task {
			return TaskPaired{}, fmt.Errorf("position %d holds task %d in one run and %d in the other", i, a.Task, b.Task)
		}
		switch {
		case a.Correct && b.Correct:
			p.Both++
		case a.Correct:
			p.CellOnly++
		case b.Correct:
			p.BaseOnly++
		}
	}
	n, b, c := float64(p.N), float64(p.CellOnly), float64(p.BaseOnly)
	p.Diff = 100 * (b - c) / n
	half := 1.959963984540054 * math.Sqrt(math.Max(0, b+c-(b-c)*(b-c)/n)) / n
	p.Lo, p.Hi = p.Diff-100*half, p.Diff+100*half
	p.P = 1
	if k := p.CellOnly + p.BaseOnly; k > 0 {
		tail := distuv.Binomial{N: float64(k), P: 0.5}.CDF(float64(min(p.CellOnly, p.BaseOnly)))
		p.P = math.Min(1, 2*tail)
	}
	return p, nil
}

// CompareTasks pairs every task record with the baseline source's record
// of the same variant and task set; the baseline's own records and those
// that cannot be paired are left out.
func CompareTasks(recs []*Record) map[string]TaskPaired {
	type vk struct{ variant, task string }
	base := map[vk]*Record{}
	trs := taskRecords(recs)
	for _, r := range trs {
		if r.Source == r.Baseline {
			base[vk{r.Variant, r.Task}] = r
		}
	}
	out := map[string]TaskPaired{}
	for _, r := range trs {
		b := base[vk{r.Variant, r.Task}]
		if b == nil || b == r {
			continue
		}
		if p, err := McNemar(r.TaskScore.Items, b.TaskScore.Items); err == nil {
			out[r.Cell] = p
		}
	}
	return out
}
