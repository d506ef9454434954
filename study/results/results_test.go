package results

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPairedDiff(t *testing.T) {
	base := []float64{2.0, 2.5, 3.0, 2.2, 2.8}
	cell := []float64{1.9, 2.45, 2.8, 2.2, 2.7} // d = -0.1 -0.05 -0.2 0 -0.1
	p, err := PairedDiff(cell, base)
	if err != nil {
		t.Fatal(err)
	}
	// mean -0.09, sd 0.07416, t(0.975, 4) = 2.776445
	half := 2.7764451051977987 * 0.07416198487095663 / math.Sqrt(5)
	if p.N != 5 || math.Abs(p.MeanDiff+0.09) > 1e-12 || math.Abs(p.Lo-(-0.09-half)) > 1e-9 || math.Abs(p.Hi-(-0.09+half)) > 1e-9 {
		t.Errorf("%+v, want -0.09 ± %g", p, half)
	}
	if p.Significant() { // -0.09 ± 0.092 holds 0
		t.Errorf("%+v: an interval holding 0 is not significant", p)
	}
	if q, _ := PairedDiff([]float64{1.9, 2.4, 2.85, 2.1, 2.7}, base); !q.Significant() || q.Hi >= 0 {
		t.Errorf("%+v: every chunk lower is significant", q)
	}
	r, lo, hi := p.PPLRatio()
	if math.Abs(r-math.Exp(-0.09)) > 1e-12 || lo >= r || hi <= r {
		t.Errorf("ratio %g [%g, %g]", r, lo, hi)
	}
	if _, err := PairedDiff(cell, base[:4]); err == nil || !strings.Contains(err.Error(), "5 and 4 chunks") {
		t.Errorf("error %v", err)
	}
	if _, err := PairedDiff([]float64{1}, []float64{1}); err == nil {
		t.Error("one chunk accepted")
	}
}

func recs() []*Record {
	mk := func(i int, src, v, e string, ppl float64, nll ...float64) *Record {
		return &Record{Study: "s", Index: i, Cell: src + "/" + v + "/" + e, Source: src, Baseline: "none", Variant: v, Eval: e, PPL: ppl, PPLError: 0.1, ChunkNLL: nll}
	}
	return []*Record{
		mk(0, "none", "M", "wiki", 10, 2.3, 2.4, 2.2),
		mk(1, "en", "M", "wiki", 9.5, 2.25, 2.35, 2.15),
		mk(2, "ja", "M", "wiki", 10.01, 2.31, 2.39, 2.21),
	}
}

func TestMarkdownAndCSV(t *testing.T) {
	var md bytes.Buffer
	if err := WriteMarkdown(&md, "t", recs()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| variant | imatrix | wiki |", "| M | none | 10.00 ± 0.10<br>(baseline) |", "| M | en | 9.50 ± 0.10<br>**×0.9512 [0.9512, 0.9512]** |", "| M | ja | 10.01 ± 0.10<br>×1.0033"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	var c bytes.Buffer
	if err := WriteCSV(&c, recs()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(c.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "index,cell,source") || !strings.Contains(lines[2], ",-0.05") {
		t.Errorf("csv:\n%s", c.String())
	}
}

func TestAppendCutsPartialLineAndReadSkipsIt(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	rs := recs()
	if err := Append(context.Background(), path, rs[0], rs[1]); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"study":"s","cell":"ja/M/wi`)
	f.Close()
	got, skipped, err := Read(path)
	if err != nil || len(got) != 2 || skipped != 1 {
		t.Fatalf("%d records, %d skipped, %v", len(got), skipped, err)
	}
	if err := Append(context.Background(), path, rs[2]); err != nil {
		t.Fatal(err)
	}
	got, skipped, err = Read(path)
	if err != nil || len(got) != 3 || skipped != 0 || got[2].Cell != "ja/M/wiki" {
		t.Fatalf("%d records, %d skipped, %v", len(got), skipped, err)
	}
	// The last record of a cell wins.
	again := *rs[0]
	again.PPL = 11
	Append(context.Background(), path, &again)
	got, _, _ = Read(path)
	if l := Latest(got); len(l) != 3 || l[0].PPL != 11 {
		t.Errorf("latest %+v", l[0])
	}
}

func TestBuildWritesReportAndCharts(t *testing.T) {
	dir := t.TempDir()
	rs := recs()
	for i, sh := range []float64{0, 0.5, 1} {
		s := sh
		rs = append(rs, &Record{Index: 3 + i, Cell: "sw@x/M/wiki", Source: "sw@" + []string{"0", "0.5", "1"}[i], Share: &s, Baseline: "none", Variant: "M", Eval: "wiki", PPL: 10 - float64(i), PPLError: 0.2, ChunkNLL: []float64{2, 2, 2}})
		rs[len(rs)-1].Cell = rs[len(rs)-1].Source + "/M/wiki"
	}
	if err := Append(context.Background(), filepath.Join(dir, FileName), rs...); err != nil {
		t.Fatal(err)
	}
	rep, err := Build(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 6 || len(rep.Charts) != 3 {
		t.Fatalf("%+v", rep)
	}
	for _, c := range append(rep.Charts, rep.CSV, rep.Markdown) {
		b, err := os.ReadFile(c)
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v", c, err)
		}
		if strings.HasSuffix(c, ".png") && !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s is not a PNG", c)
		}
	}
	if !strings.HasSuffix(rep.Charts[1], "chart-paired-ppl-wiki.png") || !strings.HasSuffix(rep.Charts[2], "sweep-sw-wiki.png") {
		t.Errorf("charts %v", rep.Charts)
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte("{\"cell\":\"a\",\"ppl\":1}\n{\"cell\":\"b\""))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), FileName)
		os.WriteFile(p, b, 0o644)
		recs, _, err := Read(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Cell == "" {
				t.Fatal("a record without a cell")
			}
		}
	})
}

func TestFormatPPL(t *testing.T) {
	for _, c := range []struct {
		ppl, err float64
		want     string
	}{
		{7.53214, 0.04651, "7.532 ± 0.047"},
		{3581.0979, 168.5289, "3580 ± 170"},
		{3528.9547, 165.7180, "3530 ± 170"},
		{10, 0.1, "10.00 ± 0.10"},
		{6.2323, 0.0996, "6.23 ± 0.10"},  // the error rounds into the next decade
		{12.3456, 0.999, "12.3 ± 1.0"},   // likewise
		{45123.4, 9960, "45000 ± 10000"}, // and above the units
		{5.1, 0.0000123, "5.100000 ± 0.000012"},
		{5.1, 0, "5.1000 ± 0.0000"}, // no error: 4 decimals
		{5.1, math.NaN(), "5.1000 ± NaN"},
		{math.Inf(1), 3, "+Inf ± 3.0000"},
	} {
		if got := FormatPPL(c.ppl, c.err); got != c.want {
			t.Errorf("FormatPPL(%v, %v) = %q, want %q", c.ppl, c.err, got, c.want)
		}
	}
}
