package results

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// pixels counts a PNG's pixels that are not white and those of colour c.
func pixels(t *testing.T, path string, c color.RGBA) (ink, of int, size image.Point) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 != 0xff || g>>8 != 0xff || bl>>8 != 0xff {
				ink++
			}
			if uint8(r>>8) == c.R && uint8(g>>8) == c.G && uint8(bl>>8) == c.B {
				of++
			}
		}
	}
	return ink, of, b.Size()
}

func TestForestCharts(t *testing.T) {
	tests := []struct {
		name string
		recs []*Record
		want []string // paired charts of the eval set wiki
	}{
		{"ppl and kld", kldRecs(), []string{"chart-paired-ppl-wiki.png", "chart-paired-kld-wiki.png"}},
		{"ppl", recs(), []string{"chart-paired-ppl-wiki.png"}},
		{"baseline alone", recs()[:1], nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PairedCharts(tt.recs, "wiki"); !slices.Equal(got, tt.want) {
				t.Fatalf("PairedCharts %v, want %v", got, tt.want)
			}
			dir := t.TempDir()
			charts, err := WriteCharts(dir, tt.recs)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{filepath.Join(dir, "chart-wiki.png")}
			for _, n := range tt.want {
				want = append(want, filepath.Join(dir, n))
			}
			if !slices.Equal(charts, want) {
				t.Fatalf("charts %v, want %v", charts, want)
			}
			for _, c := range charts[1:] {
				// two rows: en (every chunk lower: the interval leaves
				// out 1, blue) and ja (it holds 1, grey)
				ink, blue, size := pixels(t, c, forestSig)
				_, grey, _ := pixels(t, c, forestNoise)
				if size.X != 576 || size.Y < 150 || ink < size.X*size.Y/50 || blue < 50 || grey < 50 {
					t.Errorf("%s: %v pixels, %d not white, %d blue, %d grey", filepath.Base(c), size, ink, blue, grey)
				}
			}
		})
	}
}

func TestForestChartUnbounded(t *testing.T) {
	rows := []forestRow{{"a · M", 0.9, 0.85, 0.95, true}, {"b · M", 1.4, -2, 2, false}, {"c · M", 2, inf(-1), inf(1), false}}
	p, err := forestChart("t", "ratio to none (95% interval)", rows)
	if err != nil {
		t.Fatal(err)
	}
	// the axis spans the bounded intervals and 1, not the unbounded one
	if p.X.Min > -2 || p.X.Max < 2.1 || p.X.Max > 2.5 || p.Y.Min != -0.5 || p.Y.Max < 2.5 {
		t.Errorf("axes x [%v, %v] y [%v, %v]", p.X.Min, p.X.Max, p.Y.Min, p.Y.Max)
	}
	path := filepath.Join(t.TempDir(), "f.png")
	if err := savePNG(p, path, 576, 300); err != nil {
		t.Fatal(err)
	}
	if ink, blue, _ := pixels(t, path, forestSig); ink == 0 || blue == 0 {
		t.Errorf("%d pixels drawn, %d blue", ink, blue)
	}
}

func inf(sign int) float64 { return math.Inf(sign) }
