package results

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The paired metrics a forest chart shows.
const (
	pairedPPL = "ppl"
	pairedKLD = "kld"
)

// forestRow is a row of a forest chart: a cell's ratio to the baseline
// and its 95% interval (lo, hi infinite when unbounded).
type forestRow struct {
	label         string
	ratio, lo, hi float64
	significant   bool
}

// comparisons are a study's paired comparisons with the baseline.
type comparisons struct {
	ppl map[string]Paired
	kld map[string]PairedRatio
}

func compareAll(recs []*Record) comparisons {
	return comparisons{ppl: Compare(recs), kld: CompareKLD(recs)}
}

// row returns r's row for metric, false when r has no such comparison.
func (c comparisons) row(r *Record, metric string) (forestRow, bool) {
	label := r.Source + " · " + r.Variant
	if metric == pairedKLD {
		p, ok := c.kld[r.Cell]
		return forestRow{label, p.Ratio, p.Lo, p.Hi, p.Significant()}, ok
	}
	p, ok := c.ppl[r.Cell]
	ratio, lo, hi := p.PPLRatio()
	return forestRow{label, ratio, lo, hi, p.Significant()}, ok
}

// forestRows are eval set e's rows for metric, in the table's order (a
// variant's sources together).
func (c comparisons) forestRows(recs []*Record, e, metric string) []forestRow {
	var rows []forestRow
	for _, v := range order(recs, func(r *Record) string { return r.Variant }) {
		for _, r := range recs {
			if r.Variant != v || r.Eval != e || r.Task != "" {
				continue
			}
			if row, ok := c.row(r, metric); ok {
				rows = append(rows, row)
			}
		}
	}
	return rows
}

// PairedChartName is the file name of eval set e's forest chart of
// metric ("ppl" or "kld").
func PairedChartName(metric, e string) string {
	return fmt.Sprintf("chart-paired-%s-%s.png", metric, e)
}

// PairedCharts are the file names of the forest charts WriteCharts draws
// for eval set e: PPL when a cell of e is paired with the baseline, KLD
// when one has a paired KLD ratio.
func PairedCharts(recs []*Record, e string) []string {
	return compareAll(recs).charts(recs, e)
}

func (c comparisons) charts(recs []*Record, e string) []string {
	var out []string
	for _, m := range []string{pairedPPL, pairedKLD} {
		if len(c.forestRows(recs, e, m)) > 0 {
			out = append(out, PairedChartName(m, e))
		}
	}
	return out
}

// writeForestCharts draws eval set e's forest charts into dir.
func writeForestCharts(cw *chartWriter, dir string, recs []*Record, c comparisons, e string) ([]string, error) {
	var out []string
	baseline := recs[0].Baseline
	for _, m := range []string{pairedPPL, pairedKLD} {
		rows := c.forestRows(recs, e, m)
		if len(rows) == 0 {
			continue
		}
		title := "paired PPL on " + e
		if m == pairedKLD {
			title = "paired mean KLD on " + e
		}
		p, err := forestChart(title, "ratio to "+baseline+" (95% interval)", rows)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, PairedChartName(m, e))
		cw.save(p, path, 6*vg.Inch, vg.Length(1.5+0.3*float64(len(rows)))*vg.Inch)
		out = append(out, path)
	}
	return out, nil
}

// xErrPoints are points with horizontal error bars.
type xErrPoints struct {
	plotter.XYs
	plotter.XErrors
}

var (
	forestSig   = color.RGBA{R: 0x1f, G: 0x4e, B: 0x9a, A: 0xff} // the interval leaves out 1
	forestNoise = color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff} // it holds 1
)

// forestChart draws a forest plot: a row per cell, top to bottom in the
// rows' order, a point at its ratio and a bar over its 95% interval (blue
// when the interval leaves out 1, grey when it holds it; an unbounded
// interval gets no bar), and a dashed vertical line at 1.
func forestChart(title, xlabel string, rows []forestRow) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	n := len(rows)
	labels := make([]string, n)
	lo, hi := 1.0, 1.0
	groups := map[bool]*xErrPoints{true: {}, false: {}}
	points := map[bool]plotter.XYs{}
	for i, r := range rows {
		y := float64(n - 1 - i) // the first row on top
		labels[n-1-i] = r.label
		points[r.significant] = append(points[r.significant], plotter.XY{X: r.ratio, Y: y})
		lo, hi = math.Min(lo, r.ratio), math.Max(hi, r.ratio)
		if math.IsInf(r.lo, 0) || math.IsInf(r.hi, 0) {
			continue
		}
		g := groups[r.significant]
		g.XYs = append(g.XYs, plotter.XY{X: r.ratio, Y: y})
		g.XErrors = append(g.XErrors, struct{ Low, High float64 }{r.ratio - r.lo, r.hi - r.ratio})
		lo, hi = math.Min(lo, r.lo), math.Max(hi, r.hi)
	}
	one, err := plotter.NewLine(plotter.XYs{{X: 1, Y: -0.5}, {X: 1, Y: float64(n) - 0.5}})
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", title, err)
	}
	one.Color = color.Gray{Y: 0x55}
	one.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(one)
	entries := 0
	for _, sig := range []bool{false, true} {
		col, name := forestNoise, "interval holds 1"
		if sig {
			col, name = forestSig, "interval leaves out 1"
		}
		if g := groups[sig]; len(g.XYs) > 0 {
			eb, err := plotter.NewXErrorBars(g)
			if err != nil {
				return nil, fmt.Errorf("chart %s: %w", title, err)
			}
			eb.LineStyle.Color, eb.LineStyle.Width, eb.CapWidth = col, vg.Points(1.5), vg.Points(6)
			p.Add(eb)
		}
		if len(points[sig]) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(points[sig])
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", title, err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
		p.Add(sc)
		p.Legend.Add(name, sc)
		entries++
	}
	p.NominalY(labels...)
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(10)
	// room above the first row for the legend
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5+0.45*float64(entries)
	span := max(hi-lo, 1e-4)
	p.X.Min, p.X.Max = lo-0.08*span, hi+0.08*span
	p.X.Tick.Marker = withOne{}
	return p, nil
}

// withOne is gonum's default ticks with a labelled one at 1, the
// baseline, when the default has none there.
type withOne struct{}

func (withOne) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i, t := range ticks {
		if t.Value == 1 {
			if t.Label == "" {
				ticks[i].Label = "1"
			}
			return ticks
		}
	}
	return append(ticks, plot.Tick{Value: 1, Label: "1"})
}
