package results

import (
	"fmt"
	"path/filepath"

	"gonum.org/v1/plot/vg"
)

// setName is a record's eval set or task set.
func setName(r *Record) string {
	if r.Task != "" {
		return r.Task
	}
	return r.Eval
}

// accBar is a bar's height and error: the accuracy and its 95% Wilson
// interval.
func accBar(r *Record) (v, lo, hi float64) {
	ts := r.TaskScore
	return ts.Accuracy, ts.Accuracy - ts.Wilson95[0], ts.Wilson95[1] - ts.Accuracy
}

// writeTaskCharts draws, per task set, grouped bars of accuracy with the
// Wilson interval (chart-task-NAME.png) and, per sweep, accuracy against
// the share (sweep-SWEEP-task-NAME.png).
func writeTaskCharts(cw *chartWriter, dir string, trs []*Record) ([]string, error) {
	var out []string
	for _, name := range order(trs, func(r *Record) string { return r.Task }) {
		var rs []*Record
		for _, r := range trs {
			if r.Task == name && r.Share == nil {
				rs = append(rs, r)
			}
		}
		if len(rs) > 0 {
			p, err := barChart(fmt.Sprintf("accuracy on %s (%s)", name, rs[0].TaskScore.Mode), "accuracy % (95% Wilson interval)", rs, accBar)
			if err != nil {
				return nil, err
			}
			p.Y.Min = 0 // accuracy bars start at 0%
			path := filepath.Join(dir, "chart-task-"+name+".png")
			cw.save(p, path, vg.Length(max(6, 1.5+0.9*float64(len(rs))))*vg.Inch, 4.5*vg.Inch)
			out = append(out, path)
		}
		for _, sw := range order(sweepRecs(trs), sweepName) {
			p, ok, err := sweepChart(sw, name, "acc", trs)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			path := filepath.Join(dir, fmt.Sprintf("sweep-%s-task-%s.png", sw, name))
			cw.save(p, path, 6*vg.Inch, 4.5*vg.Inch)
			out = append(out, path)
		}
	}
	return out, nil
}
