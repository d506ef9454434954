package engine

import (
	"math"
	"os"
	"strings"
	"testing"
)

func TestParsePerplexityType1(t *testing.T) {
	out, _ := os.ReadFile("testdata/ppl-type1.stdout")
	log, _ := os.ReadFile("testdata/ppl-type1.stderr")
	r, err := ParsePerplexity(string(out), string(log))
	if err != nil {
		t.Fatal(err)
	}
	if r.PPL != 3570.0628 || r.PPLError != 168.62150 || len(r.ChunkNLL) != 15 {
		t.Fatalf("%+v", r)
	}
	// The chunk means give back the printed running means, and the
	// running PPL is exp of them.
	var sum float64
	for k, v := range r.ChunkNLL {
		sum += v
		mean := sum / float64(k+1)
		if k == 14 && math.Abs(math.Exp(mean)-3570.0628)/3570.0628 > 1e-5 {
			t.Errorf("exp(mean NLL) %.4f, want 3570.0628", math.Exp(mean))
		}
	}
	if math.Abs(r.ChunkNLL[0]-8.241206) > 1e-9 || math.Abs(r.ChunkNLL[1]-(2*8.356431-8.241206)) > 1e-9 {
		t.Errorf("chunks %v", r.ChunkNLL[:2])
	}
}

func TestParsePerplexityBad(t *testing.T) {
	for _, tt := range []struct{ out, log, want string }{
		{"       0  3794.1140  8.241206  0.168504\n", "", "no \"Final estimate"},
		{"[1]5.3,[2]6.1,\n", "Final estimate: PPL = 6.1 +/- 0.2\n", "no per-chunk rows"},
	} {
		if _, err := ParsePerplexity(tt.out, tt.log); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.out, err, tt.want)
		}
	}
}

func TestParseRunning(t *testing.T) {
	got := ParseRunning("0.01 minutes\n[1]5.3541,[2]7.6622,[3]nan,")
	if len(got) != 3 || got[0] != 5.3541 || got[1] != 7.6622 || !math.IsNaN(got[2]) {
		t.Errorf("%v", got)
	}
}

func TestParseKLD(t *testing.T) {
	f, err := os.Open("testdata/kld.stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ParseKLD(f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Stat{
		"Mean PPL(Q)":               {3570.062738, 168.621498},
		"Mean ln(PPL(Q)/PPL(base))": {-0.000002, math.NaN()},
		"Mean KLD":                  {0, 0},
		"99.0% KLD":                 {0.000003, 0},
		"Same top p":                {100, 0},
		"RMS Δp":                    {0, 0},
		"Minimum KLD":               {-0.000004, 0},
	}
	for k, w := range want {
		g, ok := r.Stats[k]
		if !ok || g.Value != w.Value || !(g.Err == w.Err || math.IsNaN(w.Err) && math.IsNaN(g.Err)) {
			t.Errorf("%s: %+v (present %v), want %+v", k, g, ok, w)
		}
	}
	if _, err := ParseKLD(strings.NewReader("chunk PPL\n")); err == nil {
		t.Error("no statistics accepted")
	}
}

func FuzzParsePerplexity(f *testing.F) {
	out, _ := os.ReadFile("testdata/ppl-type1.stdout")
	f.Add(string(out), "Final estimate: PPL = 3570.0628 +/- 168.62150")
	f.Add("[1]5.3,", "")
	f.Fuzz(func(t *testing.T, out, log string) {
		r, err := ParsePerplexity(out, log)
		if err == nil && len(r.ChunkNLL) == 0 {
			t.Fatal("a result without chunks")
		}
	})
}

func FuzzParseKLD(f *testing.F) {
	for _, p := range []string{"testdata/kld.stdout", "testdata/kld-q4km.stdout"} {
		b, _ := os.ReadFile(p)
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseKLD(strings.NewReader(s))
		if err == nil {
			if _, ok := r.Stats["Mean KLD"]; !ok {
				t.Fatal("no Mean KLD")
			}
			for _, v := range r.ChunkKLD {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("chunk KLD %v", r.ChunkKLD)
				}
			}
		}
	})
}

func TestStatJSONHoldsNaN(t *testing.T) {
	for _, s := range []Stat{{1.5, 0.25}, {-2e-6, math.NaN()}, {math.NaN(), 0}, {3, 0}} {
		b, err := s.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var got Stat
		if err := got.UnmarshalJSON(b); err != nil {
			t.Fatal(err)
		}
		same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
		if !same(got.Value, s.Value) || !same(got.Err, s.Err) {
			t.Errorf("%+v → %s → %+v", s, b, got)
		}
	}
}
