package results

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/calibkit/calibkit/study/engine"
)

func TestRatioOfMeans(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name          string
		cell, base    []float64
		ratio, lo, hi float64
		significant   bool
		want          string // error
	}{
		// By hand: n = 5, t(0.975, 4) = 2.7764451, c = t²/5 = 1.5417295.
		// ā = 2.0, b̄ = 4.0, s_aa = 2.34/4 = 0.585, s_bb = 10/4 = 2.5,
		// s_ab = 4.8/4 = 1.2. A = b̄² − c·s_bb = 12.1456763, B = ā·b̄ −
		// c·s_ab = 6.1499246, C = ā² − c·s_aa = 3.0980883; B² − A·C =
		// 0.1931958, so ρ = (B ∓ 0.4395405)/A = 0.4701578, 0.5425359.
		{"by hand", []float64{1.0, 1.6, 1.9, 2.6, 2.9}, []float64{2, 3, 4, 5, 6}, 0.5, 0.4701577783320748, 0.5425358704015318, true, ""},
		// a constant ratio has no spread: the interval is the ratio
		{"same", []float64{0.1, 0.3, 0.2, 0.25, 0.15, 0.2}, []float64{0.1, 0.3, 0.2, 0.25, 0.15, 0.2}, 1, 1, 1, false, ""},
		{"four fifths", []float64{0.08, 0.24, 0.16, 0.2, 0.12, 0.16}, []float64{0.1, 0.3, 0.2, 0.25, 0.15, 0.2}, 0.8, 0.8, 0.8, true, ""},
		// every chunk in proportion, but too few chunks to tell the
		// baseline's mean from 0 (b̄² < t²·s_bb/n): any ratio fits
		{"three chunks", []float64{0.08, 0.24, 0.16}, []float64{0.1, 0.3, 0.2}, 0.8, -inf, inf, false, ""},
		// the baseline's mean is within its noise: no bounded interval
		{"baseline at zero", []float64{0.1, 0.2, 0.1, 0.2, 0.1}, []float64{0.1, -0.1, 0.2, -0.2, 0.05}, 0.14 / 0.01, -inf, inf, false, ""},
		{"lengths", []float64{1, 2, 3}, []float64{1, 2}, 0, 0, 0, false, "3 and 2 chunks"},
		{"one chunk", []float64{1}, []float64{1}, 0, 0, 0, false, "at least 2"},
		{"nan", []float64{1, math.NaN()}, []float64{1, 2}, 0, 0, 0, false, "chunk 2: KLD NaN and 2, not finite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := RatioOfMeans(tt.cell, tt.base)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// a constant ratio's interval is the square root of a
			// discriminant that is 0 up to rounding: 1e-16 gives 1e-8;
			// a cell identical to its baseline gives exactly [1, 1]
			tol := 1e-12
			switch tt.name {
			case "four fifths":
				tol = 1e-7
			case "same":
				tol = 0
			}
			near := func(a, b float64) bool { return a == b || math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }
			if p.N != len(tt.cell) || !near(p.Ratio, tt.ratio) || !near(p.Lo, tt.lo) || !near(p.Hi, tt.hi) || p.Significant() != tt.significant {
				t.Errorf("%+v (significant %v), want ×%v [%v, %v] significant %v", p, p.Significant(), tt.ratio, tt.lo, tt.hi, tt.significant)
			}
		})
	}
}

// tStat is the paired t statistic of a_i − ρ·b_i against 0.
func tStat(a, b []float64, rho float64) float64 {
	n := float64(len(a))
	var m float64
	for i := range a {
		m += a[i] - rho*b[i]
	}
	m /= n
	var ss float64
	for i := range a {
		d := a[i] - rho*b[i] - m
		ss += d * d
	}
	return m / math.Sqrt(ss/(n-1)/n)
}

// TestRatioOfMeansInvertsTheTTest checks Fieller's interval on random
// per-chunk KLDs against its definition: at each bound the paired t-test
// of a_i − ρ·b_i stands exactly at t(0.975, n−1), inside it below, and
// the interval leaves out 1 exactly when the paired t-test of the
// differences (PairedDiff) rejects.
func TestRatioOfMeansInvertsTheTTest(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	sig := 0
	for trial := range 300 {
		n := 2 + r.IntN(60)
		scale := 0.9 + 0.25*r.Float64()
		a, b := make([]float64, n), make([]float64, n)
		for i := range b {
			b[i] = 0.02 + 0.01*r.ExpFloat64()
			a[i] = scale*b[i] + 0.003*r.NormFloat64()
		}
		p, err := RatioOfMeans(a, b)
		if err != nil {
			t.Fatal(err)
		}
		d, err := PairedDiff(a, b)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Bounded() {
			continue
		}
		crit := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
		for _, rho := range []float64{p.Lo, p.Hi} {
			if s := math.Abs(tStat(a, b, rho)); math.Abs(s-crit) > 1e-6*crit {
				t.Fatalf("trial %d (n %d): |t| at the bound %v is %v, want %v", trial, n, rho, s, crit)
			}
		}
		if s := math.Abs(tStat(a, b, p.Ratio)); s > 1e-9 || p.Lo > p.Ratio || p.Hi < p.Ratio {
			t.Fatalf("trial %d: ratio %v outside [%v, %v] or t %v", trial, p.Ratio, p.Lo, p.Hi, s)
		}
		if p.Significant() != d.Significant() {
			t.Fatalf("trial %d: ratio %+v significant %v, paired difference %+v %v", trial, p, p.Significant(), d, d.Significant())
		}
		if p.Significant() {
			sig++
		}
		// a cell identical to its baseline: exactly ×1 [1, 1]
		if q, _ := RatioOfMeans(b, b); q.Ratio != 1 || q.Lo != 1 || q.Hi != 1 || q.Significant() {
			t.Fatalf("trial %d: identical series give %+v", trial, q)
		}
	}
	if sig == 0 || sig == 300 {
		t.Errorf("%d of 300 trials significant: the check saw one side only", sig)
	}
}

// kldRecs are recs() with KL divergence: the baseline's per-chunk KLD and
// each cell's (en: every chunk 4/5 of the baseline's).
func kldRecs() []*Record {
	rs := recs()
	for i, r := range rs {
		r.ChunkKLD = [][]float64{{0.05, 0.07, 0.06}, {0.04, 0.056, 0.048}, {0.051, 0.069, 0.062}}[i]
		m := (r.ChunkKLD[0] + r.ChunkKLD[1] + r.ChunkKLD[2]) / 3
		r.KLD = map[string]engine.Stat{"Mean KLD": {Value: m, Err: 0.001}, "Same top p": {Value: 95}}
	}
	return rs
}

func TestMarkdownKLDCells(t *testing.T) {
	rs := kldRecs()
	old := *rs[2] // a record from before per-chunk KLD
	old.Index, old.Cell, old.Source, old.ChunkKLD = 3, "old/M/wiki", "old", nil
	rs = append(rs, &old)
	var md bytes.Buffer
	if err := WriteMarkdown(&md, "t", rs); err != nil {
		t.Fatal(err)
	}
	cmp := CompareKLD(rs)
	ja := cmp["ja/M/wiki"]
	for _, want := range []string{
		"below, mean KLD against the baseline imatrix source (none)",
		"| M | none | 0.060000 ± 0.001000; 95.000%<br>(baseline) |",
		"| M | en | 0.048000 ± 0.001000; 95.000%<br>**×0.8000 [0.8000, 0.8000]** |",
		"| M | ja | 0.060667 ± 0.001000; 95.000%<br>" + ja.String() + " |",
		"| M | old | 0.060667 ± 0.001000; 95.000% |",
		"1 cell(s) have no per-chunk KLD",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	if ja.Significant() || len(cmp) != 2 {
		t.Errorf("comparisons %+v", cmp)
	}
	var c bytes.Buffer
	if err := WriteCSV(&c, rs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(c.String()), "\n")
	if !strings.HasSuffix(lines[0], ",kld_ratio_vs_baseline,kld_ratio_lo95,kld_ratio_hi95") || !strings.HasSuffix(lines[2], ",0.8,0.8,0.8") && !strings.HasSuffix(lines[2], ",0.8000000000000002,0.8000000000000002,0.8000000000000002") || !strings.HasSuffix(lines[1], ",,,") {
		t.Errorf("csv:\n%s", c.String())
	}
}
