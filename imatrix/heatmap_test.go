package imatrix

import (
	"bytes"
	"context"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"
)

func TestWriteHeatmapPNG(t *testing.T) {
	a := synthData(1, 12, []weightSpec{{"attn_q", 64, 1}, {"ffn_down", 96, 1}, {"ffn_up_exps", 16, 4}}, false)
	b := synthData(2, 12, []weightSpec{{"attn_q", 64, 1}, {"ffn_down", 96, 1}, {"ffn_up_exps", 16, 4}}, false)
	b.Entries = b.Entries[1:] // a weight only one file has: a grey cell
	c, err := Compare(context.Background(), a, b, "a", "b")
	if err != nil {
		t.Fatal(err)
	}
	g, err := similarityGrid(c)
	if err != nil {
		t.Fatal(err)
	}
	if cols, rows := g.Dims(); cols != 4 || rows != 12 || g.kinds[3] != "(layer)" {
		t.Errorf("grid %d×%d kinds %q", cols, rows, g.kinds)
	}
	// The weight only a has is a missing (grey) cell.
	if !math.IsNaN(g.Z(0, 0)) || math.IsNaN(g.Z(0, 1)) {
		t.Errorf("cells of attn_q, layers 0 and 1: %v %v", g.Z(0, 0), g.Z(0, 1))
	}
	var buf bytes.Buffer
	if err := WriteHeatmapPNG(&buf, c, "a vs b"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() < 500 || r.Dy() < 380 {
		t.Errorf("image %v", r)
	}
	// Identical files: a flat map still draws.
	same, _ := Compare(context.Background(), a, a, "a", "a")
	if err := WriteHeatmapPNG(&buf, same, "same"); err != nil {
		t.Error(err)
	}
	// Nothing to draw: a clear error.
	flat := &Data{Entries: []*Entry{dense("output.weight", 1, 2)}}
	none, _ := Compare(context.Background(), flat, flat, "x", "y")
	if err := WriteHeatmapPNG(&buf, none, ""); err == nil || !strings.Contains(err.Error(), "no weights of numbered layers") {
		t.Errorf("got %v", err)
	}
}

// A kind that only one file has gets a column of grey cells, and the
// colour map never draws that grey nor anything near white (a diverging map
// drew its pale middle at the data's midpoint, which looked like a gap).
func TestHeatmapMissingKindAndColours(t *testing.T) {
	a := synthData(1, 3, []weightSpec{{"attn_q", 8, 1}, {"ffn_gate_exps", 4, 2}}, false)
	b := synthData(2, 3, []weightSpec{{"attn_q", 8, 1}, {"ffn_gate", 8, 1}}, false)
	c, err := Compare(context.Background(), a, b, "a", "b")
	if err != nil {
		t.Fatal(err)
	}
	g, err := similarityGrid(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"attn_q", "ffn_gate", "ffn_gate_exps", "(layer)"}; strings.Join(g.kinds, ",") != strings.Join(want, ",") {
		t.Fatalf("kinds %q, want %q", g.kinds, want)
	}
	for r := range 3 {
		if math.IsNaN(g.Z(0, r)) || !math.IsNaN(g.Z(1, r)) || !math.IsNaN(g.Z(2, r)) {
			t.Errorf("row %d: %v", r, g.z[r])
		}
	}
	var buf bytes.Buffer
	if err := WriteHeatmapPNG(&buf, c, "a vs b"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	grey := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if color.RGBAModel.Convert(img.At(x, y)) == missingColor {
				grey++
			}
		}
	}
	if grey < 1000 {
		t.Errorf("%d grey pixels: the missing cells are not drawn", grey)
	}
	for i, col := range heatColorMap().Palette(255).Colors() {
		r, g, b, _ := col.RGBA()
		if r>>8 > 0xf0 && g>>8 > 0xf0 && b>>8 > 0xf0 {
			t.Errorf("colour %d %v is nearly white", i, col)
		}
		if color.RGBAModel.Convert(col) == missingColor {
			t.Errorf("colour %d is the missing-cell grey", i)
		}
	}
}
