package coverage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/synth"
)

func TestReports(t *testing.T) {
	dir, paths := writeTexts(t)
	res, err := Run(context.Background(), Options{Model: testModel(t, synth.VocabSPM), Files: paths})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	if err := WriteText(&text, res); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	for _, f := range res.Files {
		for _, want := range []string{filepath.Base(f.Path), fmt.Sprintf("%.4f", f.TokensPerByte), shares(f.Share, f.ShareK)} {
			if !strings.Contains(out, want) {
				t.Errorf("text report lacks %q:\n%s", want, out)
			}
		}
		if sc := f.Scripts[0]; len(sc.Unseen) > 0 && !strings.Contains(out, fmt.Sprintf("%q", sc.Unseen[0].Piece)) {
			t.Errorf("text report lacks the unseen %q", sc.Unseen[0].Piece)
		}
	}
	t.Logf("\n%s", out)

	js := filepath.Join(dir, "cov.json")
	if err := SaveJSON(js, res, []string{"calibkit", "coverage"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Files) != len(paths) || back.Files[0].Seen != res.Files[0].Seen || back.Files[0].Scripts[0].Script != res.Scripts[0].Script {
		t.Errorf("JSON round trip: %+v", back.Files[0])
	}
	m, err := manifest.Read(manifest.Path(js))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Inputs) != 1+len(paths) || m.Parameters["min_count"] != float64(DefaultMinCount) {
		t.Errorf("manifest %+v", m)
	}

	pngPath := filepath.Join(dir, "cov.png")
	if err := SavePNG(pngPath, res, nil); err != nil {
		t.Fatal(err)
	}
	pf, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	img, err := png.Decode(pf)
	if err != nil {
		t.Fatal(err)
	}
	if bd := img.Bounds(); bd.Dx() < 300 || bd.Dy() < 300 {
		t.Errorf("chart of %v", bd)
	}
	if p := os.Getenv("COVERAGE_PNG_COPY"); p != "" {
		b, _ := os.ReadFile(pngPath)
		os.WriteFile(p, b, 0o644)
	}
	if err := SavePNG(filepath.Join(dir, "no", "cov.png"), res, nil); err == nil {
		t.Error("a PNG into a missing folder gave no error")
	}
}

func TestSummary(t *testing.T) {
	_, paths := writeTexts(t)
	res, err := Run(context.Background(), Options{Model: testModel(t, synth.VocabBPE), Files: paths, MinCount: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range res.Files {
		s := res.Summary(i)
		if s.TokensPerByte != f.TokensPerByte || s.Share != f.Share || s.ShareK != f.ShareK || s.MinCount != 3 || len(s.Scripts) != len(res.Scripts) {
			t.Errorf("%s: summary %+v", f.Path, s)
		}
		for _, sc := range f.Scripts {
			if got := s.Scripts[sc.Script]; got.Share != sc.Share || got.ShareK != sc.ShareK {
				t.Errorf("%s %s: summary %+v, file %v/%v", f.Path, sc.Script, got, sc.Share, sc.ShareK)
			}
		}
	}
}
