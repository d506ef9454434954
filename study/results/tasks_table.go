package results

import (
	"fmt"
	"io"
	"strings"
)

// WriteTaskTable writes the task accuracy table of recs (their task
// records; nothing when there are none), as results.md shows it.
func WriteTaskTable(w io.Writer, recs []*Record) { writeTaskTable(w, recs) }

// writeTaskTable writes the task accuracy table: a row per variant and
// imatrix source, a column per task set; each cell gives the accuracy ±
// its standard error with the 95% Wilson interval and, against the
// baseline source, the paired difference with its 95% interval and
// McNemar's p-value (bold when p < 0.05).
func writeTaskTable(w io.Writer, recs []*Record) {
	trs := taskRecords(recs)
	if len(trs) == 0 {
		return
	}
	cmp := CompareTasks(trs)
	names := order(trs, func(r *Record) string { return r.Task })
	variants := order(trs, func(r *Record) string { return r.Variant })
	sources := order(trs, func(r *Record) string { return r.Source })
	at := map[[3]string]*Record{}
	for _, r := range trs {
		at[[3]string{r.Variant, r.Source, r.Task}] = r
	}
	fmt.Fprintf(w, "\nTask accuracy %% ± its standard error [95%% Wilson interval] (tasks scored as llama-perplexity scores them); below, the difference from the baseline imatrix source (%s) of the same variant in percentage points, paired task by task, with its 95%% interval and McNemar's exact p; **bold**: p < 0.05.\n\n", trs[0].Baseline)
	var heads []string
	for _, n := range names {
		for _, r := range trs {
			if r.Task == n {
				heads = append(heads, fmt.Sprintf("%s (%s, %d tasks)", n, r.TaskScore.Mode, r.TaskScore.Scored))
				break
			}
		}
	}
	fmt.Fprintf(w, "| variant | imatrix | %s |\n|---|---|%s\n", strings.Join(heads, " | "), strings.Repeat("---|", len(names)))
	for _, v := range variants {
		for _, s := range sources {
			var cells []string
			any := false
			for _, n := range names {
				r := at[[3]string{v, s, n}]
				if r == nil {
					cells = append(cells, "")
					continue
				}
				any = true
				ts := r.TaskScore
				c := FormatAccuracy(ts)
				if p, ok := cmp[r.Cell]; ok {
					d := p.String()
					if p.Significant() {
						d = "**" + d + "**"
					}
					c += "<br>" + d
				} else if r.Source == r.Baseline {
					c += "<br>(baseline)"
				}
				cells = append(cells, c)
			}
			if any {
				fmt.Fprintf(w, "| %s | %s | %s |\n", v, s, strings.Join(cells, " | "))
			}
		}
	}
}

// FormatAccuracy writes a task score as "accuracy ± standard error [95%
// Wilson interval]" in percent, to the decimal place that gives the
// standard error two significant digits (15.0 ± 8.2 [5.2, 36.0] on 20
// tasks, 67.3 ± 1.5 on 1,000), as FormatPPL writes a perplexity.
func FormatAccuracy(ts *TaskScore) string {
	n := percentPlaces(ts.StdErr)
	return fmt.Sprintf("%.*f ± %.*f [%.*f, %.*f]", n, ts.Accuracy, n, ts.StdErr, n, ts.Wilson95[0], n, ts.Wilson95[1])
}

// String writes the paired difference as "+D pp [LO, HI], p P", D and
// its interval to the decimal place that gives the interval's half-width
// two significant digits.
func (p TaskPaired) String() string {
	n := percentPlaces((p.Hi - p.Lo) / 2)
	return fmt.Sprintf("%+.*f pp [%+.*f, %+.*f], p %.3g", n, p.Diff, n, p.Lo, n, p.Hi, p.P)
}

// percentPlaces is places for a spread in percent, from 0 to 2 decimals
// (1 when the spread is 0: every task right, or none).
func percentPlaces(e float64) int {
	d, ok := places(e)
	if !ok {
		return 1
	}
	return min(max(d, 0), 2)
}
