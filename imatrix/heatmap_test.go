package imatrix

import (
	"bytes"
	"context"
	"image/png"
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
