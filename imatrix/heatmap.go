package imatrix

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// simGrid holds the heat map cells: rows are layers, columns tensor kinds
// (plus a last "(layer)" column with the whole layer's value); NaN marks a
// weight that one of the files lacks.
type simGrid struct {
	kinds  []string
	layers []int
	z      [][]float64 // z[row][col]
}

func (g *simGrid) Dims() (c, r int)   { return len(g.kinds), len(g.layers) }
func (g *simGrid) Z(c, r int) float64 { return g.z[r][c] }
func (g *simGrid) X(c int) float64    { return float64(c) }
func (g *simGrid) Y(r int) float64    { return float64(g.layers[r]) }

// similarityGrid lays out the cosine similarities of c by layer and kind.
func similarityGrid(c *Comparison) (*simGrid, error) {
	kindSet := map[string]bool{}
	lo, hi := math.MaxInt, -1
	see := func(layer int, kind string) {
		if layer >= 0 {
			kindSet[kind] = true
			lo, hi = min(lo, layer), max(hi, layer)
		}
	}
	for _, w := range c.Weights {
		see(w.Layer, w.Kind)
	}
	// Weights only one file has are grey cells (NaN), in columns of their own
	// when no weight of their kind is in both files.
	for _, names := range [][]string{c.OnlyA, c.OnlyB} {
		for _, name := range names {
			see(SplitName(name))
		}
	}
	if hi < 0 {
		return nil, fmt.Errorf("no weights of numbered layers (blk.N.*) to draw")
	}
	g := &simGrid{}
	for k := range kindSet {
		g.kinds = append(g.kinds, k)
	}
	sort.Strings(g.kinds)
	g.kinds = append(g.kinds, "(layer)")
	col := map[string]int{}
	for i, k := range g.kinds {
		col[k] = i
	}
	for l := lo; l <= hi; l++ {
		g.layers = append(g.layers, l)
		row := make([]float64, len(g.kinds))
		for i := range row {
			row[i] = math.NaN()
		}
		g.z = append(g.z, row)
	}
	for _, w := range c.Weights {
		if w.Layer >= 0 {
			g.z[w.Layer-lo][col[w.Kind]] = w.Cosine
		}
	}
	for _, l := range c.Layers {
		g.z[l.Layer-lo][len(g.kinds)-1] = l.Cosine
	}
	return g, nil
}

// WriteHeatmapPNG draws the cosine similarity of each weight of c as a heat
// map, layers down and tensor kinds across, with a colour bar, and writes
// it to w as PNG. Cells of weights one file lacks are black.
func WriteHeatmapPNG(w io.Writer, c *Comparison, title string) error {
	g, err := similarityGrid(c)
	if err != nil {
		return err
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range g.z {
		for _, v := range row {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	// A flat map still needs a range for the colour bar.
	if hi-lo < 1e-6 {
		lo = hi - 1e-3
	}
	cmap := heatColorMap()
	cmap.SetMin(lo)
	cmap.SetMax(hi)

	hm := plotter.NewHeatMap(g, cmap.Palette(255))
	hm.Min, hm.Max = lo, hi
	hm.NaN = missingColor

	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "tensor kind (grey: a weight only one file has)"
	p.Y.Label.Text = "layer"
	p.Add(hm)
	var xt []plot.Tick
	for i, k := range g.kinds {
		xt = append(xt, plot.Tick{Value: float64(i), Label: k})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	p.Y.Scale = plot.InvertedScale{Normalizer: plot.LinearScale{}} // layer 0 on top
	step := max(1, len(g.layers)/16)
	var yt []plot.Tick
	for i, l := range g.layers {
		label := ""
		if i%step == 0 {
			label = fmt.Sprint(l)
		}
		yt = append(yt, plot.Tick{Value: float64(l), Label: label})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(yt)

	bar := plot.New()
	bar.Title.Text = "cosine"
	bar.HideX()
	bar.Y.Padding = 0
	bar.Add(&plotter.ColorBar{ColorMap: cmap, Vertical: true})
	var bt []plot.Tick
	for i := range 6 {
		v := lo + (hi-lo)*float64(i)/5
		bt = append(bt, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals(hi-lo), 64)})
	}
	bar.Y.Tick.Marker = plot.ConstantTicks(bt)

	width := vg.Length(max(6, 1.5+0.8*float64(len(g.kinds)))) * vg.Inch
	height := vg.Length(max(4, 1.8+0.12*float64(len(g.layers)))) * vg.Inch
	barWidth := 1.1 * vg.Inch
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(96), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	p.Draw(draw.Crop(dc, 0, -barWidth, 0, 0))
	bar.Draw(draw.Crop(dc, width-barWidth+0.15*vg.Inch, -0.1*vg.Inch, 1.2*vg.Inch, -0.3*vg.Inch))
	_, err = vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// missingColor fills the cells of weights only one file has: a grey that the
// colour map never produces.
var missingColor = color.RGBA{R: 0xa0, G: 0xa0, B: 0xa0, A: 0xff}

// heatColorMap returns a sequential colour map whose lightness grows with the
// value (dark purple: the files differ most; yellow: they agree), the
// viridis hues. A diverging map would put its pale middle at the data's
// midpoint, which means nothing for a similarity and looks like a gap.
func heatColorMap() palette.ColorMap {
	cm, err := moreland.NewLuminance([]color.Color{
		color.NRGBA{0x44, 0x01, 0x54, 0xff},
		color.NRGBA{0x3b, 0x52, 0x8b, 0xff},
		color.NRGBA{0x21, 0x91, 0x8c, 0xff},
		color.NRGBA{0x5e, 0xc9, 0x62, 0xff},
		color.NRGBA{0xfd, 0xe7, 0x25, 0xff},
	})
	if err != nil {
		panic(err) // the control points are fixed; their lightness increases
	}
	return cm
}

// decimals returns how many decimals tell apart ticks a fifth of span apart.
func decimals(span float64) int {
	return min(8, max(2, int(math.Ceil(-math.Log10(span/5)))+1))
}
