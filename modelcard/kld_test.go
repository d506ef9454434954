package modelcard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/study/engine"
	"github.com/calibkit/calibkit/study/results"
)

// kldStudy writes a study folder from records with KL divergence (three
// sources × one variant × one eval set of 12 chunks; en's KLD is about
// 0.7 of the baseline's on every chunk, ja's the baseline's, old's record
// has no per-chunk KLD) and draws its report with results.Build.
func kldStudy(t *testing.T) (string, []*results.Record) {
	t.Helper()
	dir := t.TempDir()
	var recs []*results.Record
	for i, src := range []string{"none", "en", "ja", "old"} {
		nll, kld := make([]float64, 12), make([]float64, 12)
		var sn, sk float64
		for k := range nll {
			nll[k] = 5 + 0.2*math.Sin(float64(k)) - 0.01*float64(i)
			kld[k] = (0.05 + 0.01*math.Cos(float64(3*k))) * []float64{1, 0.7, 1, 1}[i] * (1 + 0.02*math.Sin(float64(5*k+i)))
			sn += nll[k]
			sk += kld[k]
		}
		r := &results.Record{Study: "kld", Index: i, Cell: src + "/M/en", Key: fmt.Sprintf("%064x", i), Source: src, SourceKind: "text",
			Baseline: "none", Variant: "M", VariantParams: map[string]any{"type": "Q4_K_M"}, Eval: "en", Engine: "linked:test",
			Model: "m.gguf", Ctx: 512, Batch: 2048, PPL: math.Exp(sn / 12), PPLError: 1, ChunkNLL: nll, ChunkKLD: kld,
			KLD: map[string]engine.Stat{"Mean KLD": {Value: sk / 12, Err: 0.002}, "Same top p": {Value: 91.25}}}
		if src == "old" {
			r.ChunkKLD = nil
		}
		recs = append(recs, r)
	}
	if err := results.Append(context.Background(), filepath.Join(dir, results.FileName), recs...); err != nil {
		t.Fatal(err)
	}
	if _, err := results.Build(dir, ""); err != nil {
		t.Fatal(err)
	}
	return dir, recs
}

func TestCardKLD(t *testing.T) {
	dir, recs := kldStudy(t)
	out := filepath.Join(t.TempDir(), "README.md")
	res, err := Write(context.Background(), Options{Dir: dir, Output: out})
	if err != nil {
		t.Fatal(err)
	}
	card, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	_, body := splitCard(t, card)
	md, err := os.ReadFile(filepath.Join(dir, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	// the card's KLD cells are results.md's, and each is results.KLDCell
	kcmp := results.CompareKLD(recs)
	rows := table(t, body, "KL divergence against the unquantized model")
	if len(rows) != 2+len(recs) {
		t.Fatalf("KLD table rows %q", rows)
	}
	for i, r := range recs {
		want, _ := results.KLDCell(r, kcmp)
		if got := rows[2+i]; got[0] != "M" || got[1] != r.Source || got[2] != want {
			t.Errorf("row %q, want %q", got, want)
		}
		if !strings.Contains(string(md), "| M | "+r.Source+" | "+want+" |") {
			t.Errorf("results.md lacks the cell %q", want)
		}
	}
	en, ja := kcmp["en/M/en"], kcmp["ja/M/en"]
	if len(kcmp) != 2 || !en.Significant() || en.Hi >= 0.8 || ja.Significant() {
		t.Fatalf("comparisons %+v", kcmp)
	}
	for _, want := range []string{
		"**" + en.String() + "**", "<br>(baseline)", "1 cell(s) have no per-chunk KLD",
		"The KL-divergence cells are paired the same way", "Fieller",
		"1 of the 2 KL-divergence comparisons with the baseline are within the noise",
		results.PairedChartsNote,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the card lacks %q", want)
		}
	}
	// the forest charts beside the bars, copied and linked
	want := []string{"chart-en.png", "chart-paired-ppl-en.png", "chart-paired-kld-en.png"}
	if len(res.Charts) != len(want) {
		t.Fatalf("charts %v, want %v", res.Charts, want)
	}
	for i, name := range want {
		got, err := os.ReadFile(res.Charts[i])
		orig, _ := os.ReadFile(filepath.Join(dir, name))
		if filepath.Base(res.Charts[i]) != name || err != nil || len(orig) == 0 || !bytes.Equal(got, orig) {
			t.Errorf("chart %d: %s (%v), want a copy of %s", i, res.Charts[i], err, name)
		}
		if !strings.Contains(body, "!["+name+"]("+name+")") || !strings.Contains(string(md), "!["+name+"]("+name+")") {
			t.Errorf("%s is not linked in the card and results.md", name)
		}
	}

	// a forest chart missing: redraw, as for the bars
	os.Remove(filepath.Join(dir, "chart-paired-kld-en.png"))
	_, err = Write(context.Background(), Options{Dir: dir, Output: filepath.Join(t.TempDir(), "README.md")})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Path != filepath.Join(dir, "chart-paired-kld-en.png") || !strings.Contains(err.Error(), "calibkit study report") {
		t.Errorf("error %v", err)
	}
}
