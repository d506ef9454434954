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
				c := fmt.Sprintf("%.2f ± %.2f [%.2f, %.2f]", ts.Accuracy, ts.StdErr, ts.Wilson95[0], ts.Wilson95[1])
				if p, ok := cmp[r.Cell]; ok {
					d := fmt.Sprintf("%+.2f pp [%+.2f, %+.2f], p %.3g", p.Diff, p.Lo, p.Hi, p.P)
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
