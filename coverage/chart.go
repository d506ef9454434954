package coverage

import (
	"fmt"
	"io"

	"github.com/calibkit/calibkit/internal/atomicfile"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// WritePNG draws r as two grouped bar charts, the share of each script's
// vocabulary seen at least once (top) and at least K times (bottom), one
// bar per file, the whole vocabulary first, and writes them to w as PNG.
func WritePNG(w io.Writer, r *Result) error {
	if len(r.Files) == 0 {
		return fmt.Errorf("coverage chart: no files to draw")
	}
	labels := []string{fmt.Sprintf("all (%d)", r.Counted)}
	for _, s := range r.Scripts {
		labels = append(labels, fmt.Sprintf("%s (%d)", s.Script, s.Tokens))
	}
	top, err := shareChart(r, labels, fmt.Sprintf("%% of the vocabulary seen at least once (%s)", baseName(r.Model)),
		func(f *File) float64 { return f.Share }, func(sc *ScriptCoverage) float64 { return sc.Share })
	if err != nil {
		return err
	}
	bottom, err := shareChart(r, labels, fmt.Sprintf("%% seen at least %d times", r.MinCount),
		func(f *File) float64 { return f.ShareK }, func(sc *ScriptCoverage) float64 { return sc.ShareK })
	if err != nil {
		return err
	}
	width := vg.Length(max(480, 40*len(labels)*max(2, len(r.Files)))) * vg.Length(0.75)
	img := vgimg.NewWith(vgimg.UseWH(width, 7*vg.Inch), vgimg.UseDPI(96))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(6), PadX: vg.Points(6), PadY: vg.Points(12)}
	canvases := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])
	png := vgimg.PngCanvas{Canvas: img}
	if _, err := png.WriteTo(w); err != nil {
		return fmt.Errorf("write coverage chart: %w", err)
	}
	return nil
}

func shareChart(r *Result, labels []string, title string, all func(*File) float64, per func(*ScriptCoverage) float64) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = "%"
	n := len(r.Files)
	hi := 1.0
	bw := vg.Points(float64(min(20, 120/max(1, n))))
	for fi, f := range r.Files {
		vals := plotter.Values{100 * all(f)}
		for _, sc := range f.Scripts {
			vals = append(vals, 100*per(sc))
		}
		for _, v := range vals {
			hi = max(hi, v)
		}
		b, err := plotter.NewBarChart(vals, bw)
		if err != nil {
			return nil, fmt.Errorf("coverage chart %s: %w", f.Path, err)
		}
		b.Color = plotutil.Color(fi)
		b.LineStyle.Width = 0
		b.Offset = bw * vg.Length(float64(fi)-float64(n-1)/2)
		p.Add(b)
		p.Legend.Add(baseName(f.Path), b)
	}
	// room above the bars for the legend
	p.Y.Min, p.Y.Max = 0, hi*(1.1+0.08*float64(n))
	p.Legend.Top = true
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.5, float64(len(labels))-0.5
	return p, nil
}

// SavePNG writes the chart of r to path atomically, with its manifest;
// command is the command line to record.
func SavePNG(path string, r *Result, command []string) error {
	m, err := newManifest(path, r, command)
	if err != nil {
		return err
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	if err := WritePNG(f, r); err != nil {
		f.Abort()
		return err
	}
	if err := f.Commit(); err != nil {
		return err
	}
	return m.Write()
}
