package imatrix

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
)

func dense(name string, vals ...float32) *Entry {
	return &Entry{Name: name, Cols: len(vals), Sums: vals, Counts: []int64{1}}
}

func TestCompareHandComputed(t *testing.T) {
	a := &Data{Entries: []*Entry{
		dense("blk.0.attn_q.weight", 1, 2, 3, 4),
		dense("blk.0.attn_k.weight", 1, 1, 2),
		dense("blk.1.attn_q.weight", 5, 5, 5),
		dense("output.weight", 1),
		dense("blk.2.only_a.weight", 1),
	}}
	b := &Data{Entries: []*Entry{
		dense("blk.0.attn_q.weight", 4, 3, 2, 1),
		dense("blk.0.attn_k.weight", 1, 2, 3),
		dense("blk.1.attn_q.weight", 10, 10, 10),
		dense("output.weight", 2),
		dense("blk.3.only_b.weight", 1),
	}}
	c, err := Compare(context.Background(), a, b, "a.gguf", "b.gguf")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Diff{}
	var order []string
	for _, w := range c.Weights {
		got[w.Name] = w.Diff
		order = append(order, w.Name)
	}
	check := func(name string, want Diff) {
		t.Helper()
		g := got[name]
		if g.Values != want.Values || !near(g.Cosine, want.Cosine) || !near(g.Spearman, want.Spearman) || g.TopOverlap != want.TopOverlap {
			t.Errorf("%s: got %+v, want %+v", name, g, want)
		}
	}
	check("blk.0.attn_q.weight", Diff{4, 20.0 / 30, -1, 0})
	// Ties: ranks (1.5, 1.5, 3) against (1, 2, 3).
	check("blk.0.attn_k.weight", Diff{3, 9 / math.Sqrt(6*14), 1.5 / math.Sqrt(3), 1})
	// Constant vectors on both sides: same direction, same (tied) ranking.
	check("blk.1.attn_q.weight", Diff{3, 1, 1, 1})
	check("output.weight", Diff{1, 1, 1, 1})
	if want := []string{"blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.1.attn_q.weight", "output.weight"}; !reflect.DeepEqual(order, want) {
		t.Errorf("order %q, want most different first %q", order, want)
	}
	if !reflect.DeepEqual(c.OnlyA, []string{"blk.2.only_a.weight"}) || !reflect.DeepEqual(c.OnlyB, []string{"blk.3.only_b.weight"}) {
		t.Errorf("only: %q %q", c.OnlyA, c.OnlyB)
	}
	if len(c.Layers) != 2 || c.Layers[0].Layer != 0 || c.Layers[0].Weights != 2 || c.Layers[0].Values != 7 {
		t.Fatalf("layers %+v", c.Layers)
	}
	// Layer 0 concatenates attn_k then attn_q (name order).
	va := []float64{1, 1, 2, 1, 2, 3, 4}
	vb := []float64{1, 2, 3, 4, 3, 2, 1}
	if l := c.Layers[0]; !near(l.Cosine, refCosine(va, vb)) || !near(l.Spearman, refSpearman(va, vb)) {
		t.Errorf("layer 0 %+v, want cosine %v spearman %v", l, refCosine(va, vb), refSpearman(va, vb))
	}
}

func refCosine(a, b []float64) float64 {
	var d, x, y float64
	for i := range a {
		d += a[i] * b[i]
		x += a[i] * a[i]
		y += b[i] * b[i]
	}
	return d / math.Sqrt(x*y)
}

// refRanks is the textbook average-rank computation with a comparison sort.
func refRanks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return v[idx[i]] < v[idx[j]] })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && v[idx[j]] == v[idx[i]] {
			j++
		}
		for k := i; k < j; k++ {
			r[idx[k]] = float64(i+1+j) / 2
		}
		i = j
	}
	return r
}

func refSpearman(a, b []float64) float64 {
	ra, rb := refRanks(a), refRanks(b)
	var ma, mb float64
	for i := range ra {
		ma += ra[i]
		mb += rb[i]
	}
	ma /= float64(len(ra))
	mb /= float64(len(rb))
	var sab, saa, sbb float64
	for i := range ra {
		sab += (ra[i] - ma) * (rb[i] - mb)
		saa += (ra[i] - ma) * (ra[i] - ma)
		sbb += (rb[i] - mb) * (rb[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

// TestRankerMatchesReference checks the radix ranking against a comparison
// sort on vectors with many ties, zeros, tiny and huge values.
func TestRankerMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var r ranker
	for trial := range 200 {
		n := 1 + rng.IntN(3000)
		a, b := make([]float32, n), make([]float32, n)
		for i := range a {
			switch rng.IntN(4) {
			case 0:
				a[i] = float32(rng.IntN(5)) // ties and zeros
			case 1:
				a[i] = float32(rng.ExpFloat64() * 1e-30)
			case 2:
				a[i] = float32(rng.ExpFloat64() * 1e30)
			default:
				a[i] = float32(rng.Float64())
			}
			b[i] = a[i] * float32(1+rng.NormFloat64()*0.5*float64(trial%3))
			if b[i] < 0 {
				b[i] = 0
			}
		}
		fa, fb := make([]float64, n), make([]float64, n)
		for i := range a {
			fa[i], fb[i] = float64(a[i]), float64(b[i])
		}
		ra, rb := make([]float64, n), make([]float64, n)
		oa := r.ranks(a, ra, nil)
		r.ranks(b, rb, nil)
		if want := refRanks(fa); !reflect.DeepEqual(ra, want) {
			t.Fatalf("trial %d: ranks differ", trial)
		}
		if !sort.SliceIsSorted(oa, func(i, j int) bool { return a[oa[i]] < a[oa[j]] }) {
			t.Fatalf("trial %d: order not sorted", trial)
		}
		got, want := r.spearman(ra, rb), refSpearman(fa, fb)
		if math.IsNaN(want) {
			want = 0 // one side constant
			if refSpearman(fa, fa) != refSpearman(fa, fa) && refSpearman(fb, fb) != refSpearman(fb, fb) {
				want = 1
			}
		}
		if math.Abs(got-want) > 1e-9 {
			t.Fatalf("trial %d (n=%d): spearman %v, want %v", trial, n, got, want)
		}
	}
}

func TestTopK(t *testing.T) {
	for n, want := range map[int]int{1: 1, 99: 1, 100: 1, 199: 1, 200: 2, 28672: 286} {
		if got := topK(n); got != want {
			t.Errorf("topK(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestCompareMismatchedModels(t *testing.T) {
	a := &Data{Entries: []*Entry{dense("blk.0.attn_q.weight", 1, 2, 3, 4)}}
	b := &Data{Entries: []*Entry{dense("blk.0.attn_q.weight", 1, 2, 3)}}
	_, err := Compare(context.Background(), a, b, "llama.gguf", "qwen.gguf")
	var me *MismatchError
	if !errors.As(err, &me) || me.Entry != "blk.0.attn_q.weight" {
		t.Fatalf("got %v", err)
	}
	want := `entry "blk.0.attn_q.weight" has 4 columns × 1 experts in llama.gguf but 3 × 1 in qwen.gguf: the files come from different models`
	if err.Error() != want {
		t.Errorf("message %q", err)
	}
	// Same total, different experts × columns: different models too.
	a = &Data{Entries: []*Entry{{Name: "e", Cols: 2, Sums: make([]float32, 8), Counts: []int64{1, 1, 1, 1}}}}
	b = &Data{Entries: []*Entry{{Name: "e", Cols: 4, Sums: make([]float32, 8), Counts: []int64{1, 1}}}}
	if _, err := Compare(context.Background(), a, b, "a", "b"); !errors.As(err, &me) {
		t.Errorf("2×4 vs 4×2: %v", err)
	}
}

// TestCompareDatWithGGUF compares a mixture-of-experts weight read from a
// .dat file (experts flattened into one matrix) with the GGUF original.
func TestCompareDatWithGGUF(t *testing.T) {
	g := synthData(3, 2, []weightSpec{{"ffn_up_exps", 16, 4}, {"attn_q", 32, 1}}, false)
	for _, e := range g.Entries {
		for m := range e.Counts {
			e.Counts[m] = 4096 // equal counts: the .dat keeps the exact means
		}
	}
	dat, err := ReadDat(bytes.NewReader(writeBytes(t, g, FormatDat)), g.ChunkSize)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compare(context.Background(), g, dat, "a.gguf", "a.dat")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range c.Weights {
		if w.Cosine < 0.999999 || w.Spearman < 0.999999 || w.TopOverlap != 1 {
			t.Errorf("%s: %+v", w.Name, w.Diff)
		}
	}
}

func TestCompareCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d := synthData(1, 4, []weightSpec{{"attn_q", 8, 1}}, false)
	if _, err := Compare(ctx, d, d, "a", "b"); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}
