package results

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"git.sr.ht/~sbinet/gg"
	"golang.org/x/sync/errgroup"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/calibkit/calibkit/internal/atomicfile"
)

// errPoints are points with symmetric vertical error bars.
type errPoints struct {
	plotter.XYs
	plotter.YErrors
}

// WriteCharts draws the study's charts into dir and returns their paths:
// for each eval set, grouped bars of PPL ± error (a group per variant, a
// bar per imatrix source that is not a sweep share) and beside them the
// paired comparisons with the baseline as forest plots
// (chart-paired-ppl-EVAL.png, and chart-paired-kld-EVAL.png with
// per-chunk KLD: a row per cell, its ratio and 95% interval, a dashed
// line at 1; PairedCharts names them), and for each sweep
// and eval set, PPL against the added corpus's share with a line per
// variant (and the same for mean KLD when the study has a base). With
// several repeats a sweep point is their mean and its bar ±1 standard
// deviation across the repeats (the sampling noise); with one, the PPL's
// own error.
//
// Task sets get the same charts of accuracy in percent, with the 95%
// Wilson interval as the bars' error (chart-task-NAME.png) and, for
// sweeps, the accuracy ± its standard error against the share.
//
// The charts are drawn and encoded at once, up to GOMAXPROCS at a time.
func WriteCharts(dir string, all []*Record) ([]string, error) {
	cw := newChartWriter()
	out, err := writeCharts(cw, dir, all)
	if werr := cw.wait(); err == nil {
		err = werr
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func writeCharts(cw *chartWriter, dir string, all []*Record) ([]string, error) {
	var out []string
	recs := pplRecords(all)
	cmp := compareAll(recs)
	evals := order(recs, func(r *Record) string { return r.Eval })
	for _, e := range evals {
		var rs []*Record
		for _, r := range recs {
			if r.Eval == e && r.Share == nil {
				rs = append(rs, r)
			}
		}
		if len(rs) > 0 {
			p, err := barChart("perplexity on "+e, "PPL", rs, pplBar)
			if err != nil {
				return nil, err
			}
			path := filepath.Join(dir, "chart-"+e+".png")
			cw.save(p, path, vg.Length(max(6, 1.5+0.9*float64(len(rs))))*vg.Inch, 4.5*vg.Inch)
			out = append(out, path)
		}
		more, err := writeForestCharts(cw, dir, recs, cmp, e)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	sweeps := order(sweepRecs(recs), func(r *Record) string { return sweepName(r) })
	for _, sw := range sweeps {
		for _, e := range evals {
			for _, metric := range []string{"ppl", "kld"} {
				p, ok, err := sweepChart(sw, e, metric, recs)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
				name := fmt.Sprintf("sweep-%s-%s.png", sw, e)
				if metric == "kld" {
					name = fmt.Sprintf("sweep-%s-%s-kld.png", sw, e)
				}
				path := filepath.Join(dir, name)
				cw.save(p, path, 6*vg.Inch, 4.5*vg.Inch)
				out = append(out, path)
			}
		}
	}
	more, err := writeTaskCharts(cw, dir, taskRecords(all))
	return append(out, more...), err
}

func sweepRecs(recs []*Record) []*Record {
	var out []*Record
	for _, r := range recs {
		if r.Share != nil {
			out = append(out, r)
		}
	}
	return out
}

func sweepName(r *Record) string {
	name, _, _ := strings.Cut(r.Source, "@")
	return name
}

// pplBar is a bar's height and error: PPL ± its error.
func pplBar(r *Record) (v, lo, hi float64) { return r.PPL, r.PPLError, r.PPLError }

// barChart draws grouped bars (a group per variant, a bar per source) of
// bar(r): the height and the error below and above it.
func barChart(title, ylabel string, rs []*Record, bar func(*Record) (v, lo, hi float64)) (*plot.Plot, error) {
	eval := title
	variants := order(rs, func(r *Record) string { return r.Variant })
	sources := order(rs, func(r *Record) string { return r.Source })
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	w := vg.Points(float64(min(24, 180/max(1, len(sources)*len(variants)))))
	lo, hi := math.Inf(1), math.Inf(-1)
	for si, s := range sources {
		vals := make(plotter.Values, len(variants))
		pts := errPoints{XYs: make(plotter.XYs, len(variants)), YErrors: make(plotter.YErrors, len(variants))}
		for vi, v := range variants {
			for _, r := range rs {
				if r.Source == s && r.Variant == v {
					y, el, eh := bar(r)
					vals[vi] = y
					pts.XYs[vi] = plotter.XY{X: float64(vi), Y: y}
					pts.YErrors[vi] = struct{ Low, High float64 }{el, eh}
					lo = math.Min(lo, y-el)
					hi = math.Max(hi, y+eh)
				}
			}
		}
		b, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", eval, err)
		}
		b.Color = plotutil.Color(si)
		b.LineStyle.Width = 0
		b.Offset = w * vg.Length(float64(si)-float64(len(sources)-1)/2)
		p.Add(b)
		p.Legend.Add(s, b)
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", eval, err)
		}
		// error bars sit on the bars: shift them as the bars are shifted
		p.Add(shifted{eb, b.Offset})
	}
	p.NominalX(variants...)
	p.Legend.Top = true
	p.X.Min, p.X.Max = -0.5, float64(len(variants))-0.5
	if !math.IsInf(lo, 1) {
		// room for the error bars, and above them for the legend
		span := max(hi-lo, 1e-9)
		p.Y.Min = math.Max(0, lo-0.1*span)
		p.Y.Max = hi + (0.12*float64(len(sources))+0.05)*span
	}
	return p, nil
}

// shifted draws a plotter moved sideways by a fixed length, as bar
// offsets move the bars.
type shifted struct {
	plot.Plotter
	by vg.Length
}

func (s shifted) Plot(c draw.Canvas, p *plot.Plot) {
	c.Rectangle.Min.X += s.by
	c.Rectangle.Max.X += s.by
	s.Plotter.Plot(c, p)
}

func sweepChart(sweep, eval, metric string, recs []*Record) (*plot.Plot, bool, error) {
	type key struct {
		variant string
		share   float64
	}
	vals := map[key][]Stat{}
	var variants []string
	seenV := map[string]bool{}
	for _, r := range recs {
		if r.Share == nil || setName(r) != eval || sweepName(r) != sweep {
			continue
		}
		st := Stat{Value: r.PPL, Err: r.PPLError}
		if metric == "acc" {
			if r.TaskScore == nil {
				continue
			}
			st = Stat{Value: r.TaskScore.Accuracy, Err: r.TaskScore.StdErr}
		}
		if metric == "kld" {
			if r.KLD == nil {
				continue
			}
			k := r.KLD["Mean KLD"]
			st = Stat{Value: k.Value, Err: k.Err}
		}
		if !seenV[r.Variant] {
			seenV[r.Variant] = true
			variants = append(variants, r.Variant)
		}
		vals[key{r.Variant, *r.Share}] = append(vals[key{r.Variant, *r.Share}], st)
	}
	if len(vals) == 0 {
		return nil, false, nil
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: %s against share", sweep, eval)
	p.X.Label.Text = "share of the added corpus"
	p.Y.Label.Text = map[string]string{"ppl": "PPL", "kld": "mean KLD", "acc": "accuracy %"}[metric]
	lo, hi := math.Inf(1), math.Inf(-1)
	for vi, v := range variants {
		var shares []float64
		for k := range vals {
			if k.variant == v {
				shares = append(shares, k.share)
			}
		}
		sort.Float64s(shares)
		pts := errPoints{}
		for _, sh := range shares {
			m, e := meanErr(vals[key{v, sh}])
			lo, hi = math.Min(lo, m-e), math.Max(hi, m+e)
			pts.XYs = append(pts.XYs, plotter.XY{X: sh, Y: m})
			pts.YErrors = append(pts.YErrors, struct{ Low, High float64 }{e, e})
		}
		l, sc, err := plotter.NewLinePoints(pts.XYs)
		if err != nil {
			return nil, false, err
		}
		l.Color = plotutil.Color(vi)
		sc.Color = plotutil.Color(vi)
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return nil, false, err
		}
		eb.Color = plotutil.Color(vi)
		p.Add(l, sc, eb)
		p.Legend.Add(v, l, sc)
	}
	p.Legend.Top = true
	p.X.Min, p.X.Max = -0.05, 1.05
	if span := hi - lo; span > 0 && !math.IsInf(span, 0) {
		p.Y.Min, p.Y.Max = lo-0.05*span, hi+(0.1*float64(len(variants))+0.05)*span // room for the legend
	}
	return p, true, nil
}

// Stat is a value with its error.
type Stat struct{ Value, Err float64 }

// meanErr is the mean of repeats with their standard deviation, or the
// single value with its own error.
func meanErr(s []Stat) (float64, float64) {
	if len(s) == 1 {
		return s[0].Value, s[0].Err
	}
	var sum float64
	for _, v := range s {
		sum += v.Value
	}
	m := sum / float64(len(s))
	var ss float64
	for _, v := range s {
		ss += (v.Value - m) * (v.Value - m)
	}
	return m, math.Sqrt(ss / float64(len(s)-1))
}

// chartWriter draws and encodes charts in goroutines, each plot once
// it is built; wait returns the first error. With svg set it also draws
// each plot on an SVG canvas (the page's inline charts), kept by file
// name in the order saved; with noPNG it writes no PNG file.
type chartWriter struct {
	g     errgroup.Group
	svg   bool
	noPNG bool
	mu    sync.Mutex
	svgs  []pageChart
}

// pageChart is a chart as the page shows it: its PNG's file name and its
// drawing as an SVG element.
type pageChart struct {
	Name string
	SVG  []byte
}

func newChartWriter() *chartWriter {
	cw := &chartWriter{}
	cw.g.SetLimit(runtime.GOMAXPROCS(0))
	return cw
}

func (cw *chartWriter) save(p *plot.Plot, path string, w, h vg.Length) {
	i := -1
	if cw.svg {
		cw.mu.Lock()
		i = len(cw.svgs)
		cw.svgs = append(cw.svgs, pageChart{Name: filepath.Base(path)})
		cw.mu.Unlock()
	}
	cw.g.Go(func() error {
		if !cw.noPNG {
			if err := savePNG(p, path, w, h); err != nil {
				return err
			}
		}
		if i < 0 {
			return nil
		}
		b, err := renderSVG(p, w, h)
		if err != nil {
			return fmt.Errorf("chart %s: %w", path, err)
		}
		cw.mu.Lock()
		cw.svgs[i].SVG = b
		cw.mu.Unlock()
		return nil
	})
}

func (cw *chartWriter) wait() error { return cw.g.Wait() }

// renderSVG draws p on an SVG canvas of w × h and returns the <svg>
// element alone (no XML declaration), to be put inline in a page.
func renderSVG(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if i := bytes.Index(b, []byte("<svg")); i >= 0 {
		b = b[i:]
	}
	return b, nil
}

func savePNG(p *plot.Plot, path string, w, h vg.Length) error {
	var buf bytes.Buffer // a chart is tens of kB: written in one call
	if err := writePNG(&buf, render(p, w, h)); err != nil {
		return fmt.Errorf("chart %s: %w", path, err)
	}
	_, err := atomicfile.WriteFile(path, &buf)
	return err
}

// render draws p on a white, opaque image of w × h at 96 dpi.
func render(p *plot.Plot, w, h vg.Length) *image.RGBA {
	// The canvas draws on an image of ours: given only a size, vgimg
	// allocates one and gg copies it into another (a tenth of a chart's
	// cost). Its settings are those NewWith makes for its own context.
	const dpi = 96
	rgba := image.NewRGBA(image.Rect(0, 0, int(w/vg.Inch*dpi+0.5), int(h/vg.Inch*dpi+0.5)))
	ctx := gg.NewContextForRGBA(rgba)
	ctx.SetLineCapButt()
	ctx.InvertY()
	img := vgimg.NewWith(vgimg.UseImageWithContext(rgba, ctx), vgimg.UseDPI(dpi)) // white background
	p.Draw(draw.New(img))
	return rgba
}
