package mix

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
)

// addedLines returns the lines of a mix that are not base lines, in order.
func addedLines(text string, base map[string]bool) []string {
	var out []string
	for l := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
		if !base[l] {
			out = append(out, l)
		}
	}
	return out
}

func TestSweepNestedAndTotal(t *testing.T) {
	corpus := writeJSONL(t, 4, 500)
	base := genBase(2, 4000)
	baseSet := map[string]bool{}
	for _, l := range base {
		baseSet[l] = true
	}
	shares := []float64{0, 0.25, 0.5, 0.75, 1}
	for _, nested := range []bool{true, false} {
		pool := openPool(t, corpus)
		const total = 150_000
		var prev []string
		var prevShare float64
		texts := map[float64]string{}
		err := Sweep(context.Background(), SweepOptions{
			Mix:  MixOptions{Base: base, Total: total, Unit: Bytes, Seed: 9},
			Name: "ja", Pool: pool, Shares: shares, Nested: nested,
		}, func(s float64, name string, text []byte, res *MixResult) error {
			if name != ShareFileName(s) {
				t.Errorf("name %q for share %g", name, s)
			}
			if d := math.Abs(float64(len(text))-total) / total; d > 0.005 {
				t.Errorf("share %g: %d bytes, %.2f%% off the total", s, len(text), 100*d)
			}
			if got := res.Sources[1].ShareBytes; math.Abs(got-s) > 0.01 {
				t.Errorf("share %g: achieved %.4f", s, got)
			}
			texts[s] = string(text)
			cur := addedLines(string(text), baseSet)
			if nested && len(prev) > 0 {
				if len(cur) < len(prev) || !slicesEqual(cur[:len(prev)], prev) {
					t.Errorf("share %g: its Japanese text does not extend share %g's", s, prevShare)
				}
			}
			prev, prevShare = cur, s
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Without --nested, shares draw different sequences.
		a, b := addedLines(texts[0.25], baseSet), addedLines(texts[0.5], baseSet)
		if !nested && len(a) > 0 && slicesEqual(a, b[:len(a)]) {
			t.Error("without nesting, share 0.5 still extends share 0.25")
		}
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCheckShares(t *testing.T) {
	for _, tt := range []struct {
		shares []float64
		ok     bool
	}{
		{[]float64{0, 0.25, 1}, true},
		{nil, false},
		{[]float64{0.5, 0.5}, false},
		{[]float64{1.5}, false},
		{[]float64{-0.1}, false},
		{[]float64{math.NaN()}, false},
	} {
		if err := CheckShares(tt.shares); (err == nil) != tt.ok {
			t.Errorf("CheckShares(%v) = %v", tt.shares, err)
		}
	}
}

func TestMixDeterministic(t *testing.T) {
	corpus := writeJSONL(t, 5, 300)
	base := genBase(3, 100)
	run := func(seed uint64) string {
		pool := openPool(t, corpus)
		var buf bytes.Buffer
		if _, err := Mix(context.Background(), &buf, MixOptions{Base: base, Adds: []Add{{Name: "ja", Pool: pool, Factor: 4}}, Unit: Chars, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	a, b, c := run(1), run(1), run(2)
	if a != b {
		t.Error("two runs with seed 1 differ")
	}
	if a == c {
		t.Error("seeds 1 and 2 gave the same mix")
	}
	var buf bytes.Buffer
	pool := openPool(t, corpus)
	res, err := Mix(context.Background(), &buf, MixOptions{Base: base, Adds: []Add{{Name: "ja", Pool: pool, Factor: 4}}, Unit: Chars, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Factor 4: the Japanese text is four times the base, in characters.
	if r := float64(res.Sources[1].Chars) / float64(res.Sources[0].Chars); math.Abs(r-4) > 0.01 {
		t.Errorf("factor 4 gave a ratio of %.4f", r)
	}
	if res.Sources[0].Lines != len(base) {
		t.Errorf("factor mode used %d of %d base lines", res.Sources[0].Lines, len(base))
	}
}

func TestEvalDeterministic(t *testing.T) {
	corpus := writeJSONL(t, 6, 300)
	run := func(seed uint64) string {
		var buf bytes.Buffer
		if _, err := BuildEval(context.Background(), openPool(t, corpus), &buf, EvalOptions{Target: 40_000, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	a, b := run(3), run(3)
	if a != b {
		t.Error("two eval builds with seed 3 differ")
	}
	if a == run(4) {
		t.Error("seeds 3 and 4 gave the same eval set")
	}
}

func TestExcludeLeavesArticlesOut(t *testing.T) {
	corpus := writeJSONL(t, 7, 200)
	pool := openPool(t, corpus)
	var buf bytes.Buffer
	ev, err := BuildEval(context.Background(), pool, &buf, EvalOptions{Target: 60_000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	ex := IDSet{}
	ex.Add(ev.Articles...)
	for _, p := range ev.Partial {
		ex.Add(p.ID)
	}
	// A mix asking for most of what is left must use none of them.
	buf.Reset()
	res, err := Mix(context.Background(), &buf, MixOptions{Base: genBase(1, 100), Adds: []Add{{Name: "ja", Pool: pool, Factor: 5}}, Seed: 1, Exclude: ex})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range res.Sources[1].Articles {
		if ex.Has(id) {
			t.Fatalf("mix used article %s the eval set used", id)
		}
	}
	// And a second eval set excluding the first shares no article with it.
	buf.Reset()
	ev2, err := BuildEval(context.Background(), pool, &buf, EvalOptions{Target: 60_000, Seed: 1, Exclude: ex})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ev2.Articles {
		if ex.Has(id) {
			t.Fatalf("second eval set reused article %s", id)
		}
	}
}
