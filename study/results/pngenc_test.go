package results

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/plot/vg"
)

// failAfter is a writer that fails once n bytes are written.
type failAfter struct{ n int }

var errFull = errors.New("no space left")

func (f *failAfter) Write(b []byte) (int, error) {
	if len(b) > f.n {
		f.n = 0
		return 0, errFull
	}
	f.n -= len(b)
	return len(b), nil
}

// TestWritePNG: image/png decodes what writePNG writes to the same
// pixels, for opaque images of several shapes (a sub-image included), and
// a failing writer's error comes back.
func TestWritePNG(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	rs := kldRecs()
	chart, err := forestChart("t", "ratio", compareAll(rs).forestRows(rs, "wiki", pairedKLD))
	if err != nil {
		t.Fatal(err)
	}
	noisy := func(w, h int) *image.RGBA {
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range m.Pix {
			m.Pix[i] = uint8(r.IntN(256))
			if i%4 == 3 {
				m.Pix[i] = 0xff
			}
		}
		return m
	}
	tests := []struct {
		name string
		m    *image.RGBA
	}{
		{"chart", render(chart, 6*vg.Inch, 3*vg.Inch)},
		{"one pixel", noisy(1, 1)},
		{"noise", noisy(301, 77)},
		{"sub-image", noisy(64, 64).SubImage(image.Rect(3, 5, 40, 33)).(*image.RGBA)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := writePNG(&buf, tt.m); err != nil {
				t.Fatal(err)
			}
			got, err := png.Decode(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			b := tt.m.Bounds()
			if got.Bounds().Size() != b.Size() {
				t.Fatalf("size %v, want %v", got.Bounds().Size(), b.Size())
			}
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					w := tt.m.RGBAAt(x, y)
					if w.A != 0xff {
						t.Fatalf("pixel %d,%d is not opaque: %v", x, y, w)
					}
					gr, gg, gb, ga := got.At(x-b.Min.X, y-b.Min.Y).RGBA()
					if uint8(gr>>8) != w.R || uint8(gg>>8) != w.G || uint8(gb>>8) != w.B || ga != 0xffff {
						t.Fatalf("pixel %d,%d: %v, want %v", x, y, got.At(x-b.Min.X, y-b.Min.Y), w)
					}
				}
			}
			for _, n := range []int{0, 20, buf.Len() / 2, buf.Len() - 1} {
				if err := writePNG(&failAfter{n}, tt.m); !errors.Is(err, errFull) {
					t.Errorf("a writer full after %d bytes: error %v", n, err)
				}
			}
		})
	}
}
