package imatrix

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"
)

// Diff measures how two mean-square vectors of the same weight (or layer)
// differ. Experts with a zero count contribute zeros.
type Diff struct {
	// Values is the length of the compared vectors.
	Values int `json:"values"`
	// Cosine is the cosine similarity of the mean squares (1: same direction).
	Cosine float64 `json:"cosine"`
	// Spearman is Spearman's rank correlation, ties given their average rank.
	Spearman float64 `json:"spearman"`
	// TopOverlap is the share of the top 1% columns (at least one) of the
	// first file that are also in the top 1% of the second.
	TopOverlap float64 `json:"top1pct_overlap"`
}

// WeightDiff compares one weight.
type WeightDiff struct {
	Name  string `json:"name"`
	Layer int    `json:"layer"`
	Kind  string `json:"kind"`
	Diff
}

// LayerDiff compares one layer: the mean squares of all its weights present
// in both files, one after the other in name order.
type LayerDiff struct {
	Layer   int `json:"layer"`
	Weights int `json:"weights"`
	Diff
}

// Comparison is the result of Compare.
type Comparison struct {
	// Weights and Layers come most different first: lowest cosine, then
	// lowest Spearman correlation, then name or layer number.
	Weights []WeightDiff `json:"weights"`
	Layers  []LayerDiff  `json:"layers"`
	// OnlyA and OnlyB name the entries only the first or the second file has.
	OnlyA []string `json:"only_a"`
	OnlyB []string `json:"only_b"`
}

// MismatchError reports an entry whose sizes differ between two files: they
// come from different models.
type MismatchError struct {
	Entry              string
	FileA, FileB       string
	ColsA, ColsB       int
	ExpertsA, ExpertsB int
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("entry %q has %d columns × %d experts in %s but %d × %d in %s: the files come from different models",
		e.Entry, e.ColsA, e.ExpertsA, e.FileA, e.ColsB, e.ExpertsB, e.FileB)
}

// Compare compares two imatrix files of the same model, weight by weight and
// layer by layer, on all available cores. nameA and nameB label the files
// in errors. Entries whose total sizes differ are a *MismatchError; an entry
// read from a .dat file (experts flattened) matches the same entry of a
// GGUF file when the totals agree.
func Compare(ctx context.Context, a, b *Data, nameA, nameB string) (*Comparison, error) {
	byB := make(map[string]*Entry, len(b.Entries))
	for _, e := range b.Entries {
		byB[e.Name] = e
	}
	c := &Comparison{OnlyA: []string{}, OnlyB: []string{}}
	type pair struct{ a, b *Entry }
	var pairs []pair
	inA := make(map[string]bool, len(a.Entries))
	for _, ea := range sortedEntries(a) {
		inA[ea.Name] = true
		eb, ok := byB[ea.Name]
		if !ok {
			c.OnlyA = append(c.OnlyA, ea.Name)
			continue
		}
		if !sameShape(ea, eb) {
			return nil, &MismatchError{Entry: ea.Name, FileA: nameA, FileB: nameB,
				ColsA: ea.Cols, ExpertsA: ea.NMat(), ColsB: eb.Cols, ExpertsB: eb.NMat()}
		}
		pairs = append(pairs, pair{ea, eb})
	}
	for _, eb := range sortedEntries(b) {
		if !inA[eb.Name] {
			c.OnlyB = append(c.OnlyB, eb.Name)
		}
	}

	// One job per weight and one per layer.
	type job struct {
		pairs  []pair
		weight int // index into c.Weights, or -1
		layer  int // index into c.Layers, or -1
	}
	var jobs []job
	c.Weights = make([]WeightDiff, len(pairs))
	layerPairs := map[int][]pair{}
	for i, p := range pairs {
		w := &c.Weights[i]
		w.Name = p.a.Name
		w.Layer, w.Kind = SplitName(p.a.Name)
		jobs = append(jobs, job{pairs: pairs[i : i+1], weight: i, layer: -1})
		if w.Layer >= 0 {
			layerPairs[w.Layer] = append(layerPairs[w.Layer], p)
		}
	}
	for l, ps := range layerPairs {
		c.Layers = append(c.Layers, LayerDiff{Layer: l, Weights: len(ps)})
		jobs = append(jobs, job{pairs: ps, weight: -1, layer: len(c.Layers) - 1})
	}

	work := make(chan job)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(jobs))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var cw compareWorker
			for j := range work {
				n := 0
				for _, p := range j.pairs {
					n += len(p.a.Sums)
				}
				cw.va, cw.vb = grow(cw.va, n)[:0], grow(cw.vb, n)[:0]
				for _, p := range j.pairs {
					cw.va = appendMeanSquares(cw.va, p.a)
					cw.vb = appendMeanSquares(cw.vb, p.b)
				}
				d := cw.diff()
				if j.weight >= 0 {
					c.Weights[j.weight].Diff = d
				} else {
					c.Layers[j.layer].Diff = d
				}
			}
		}()
	}
	var err error
send:
	for _, j := range jobs {
		if err = ctx.Err(); err != nil {
			break
		}
		select {
		case work <- j:
		case <-ctx.Done():
			err = ctx.Err()
			break send
		}
	}
	close(work)
	wg.Wait()
	if err != nil {
		return nil, err
	}

	sort.Slice(c.Weights, func(i, j int) bool {
		x, y := &c.Weights[i], &c.Weights[j]
		if x.Cosine != y.Cosine || x.Spearman != y.Spearman {
			return diffLess(x.Diff, y.Diff)
		}
		return x.Name < y.Name
	})
	sort.Slice(c.Layers, func(i, j int) bool {
		x, y := &c.Layers[i], &c.Layers[j]
		if x.Cosine != y.Cosine || x.Spearman != y.Spearman {
			return diffLess(x.Diff, y.Diff)
		}
		return x.Layer < y.Layer
	})
	return c, nil
}

// sameShape reports whether two entries hold the same matrices: the same
// columns and experts, or the same total when one side (a .dat file) keeps
// the experts flattened into one matrix.
func sameShape(a, b *Entry) bool {
	if len(a.Sums) != len(b.Sums) {
		return false
	}
	return a.Cols == b.Cols || a.NMat() == 1 || b.NMat() == 1
}

func diffLess(x, y Diff) bool {
	if x.Cosine != y.Cosine {
		return x.Cosine < y.Cosine
	}
	return x.Spearman < y.Spearman
}

// appendMeanSquares appends e's mean squares, sum/count in float32 as
// llama.cpp computes them, zeros for experts without data.
func appendMeanSquares(dst []float32, e *Entry) []float32 {
	cols := len(e.Sums) / e.NMat()
	for m, c := range e.Counts {
		part := e.Sums[m*cols : (m+1)*cols]
		if c <= 0 {
			for range part {
				dst = append(dst, 0)
			}
			continue
		}
		fc := float32(c)
		for _, s := range part {
			dst = append(dst, s/fc)
		}
	}
	return dst
}

type compareWorker struct {
	r              ranker
	va, vb         []float32
	ra, rb         []float64
	orderA, orderB []uint32
}

func (w *compareWorker) diff() Diff {
	n := len(w.va)
	d := Diff{Values: n}
	if n == 0 {
		d.Cosine, d.Spearman, d.TopOverlap = 1, 1, 1
		return d
	}
	var dot, n1, n2 float64
	for i, x := range w.va {
		y := float64(w.vb[i])
		dot += float64(x) * y
		n1 += float64(x) * float64(x)
		n2 += y * y
	}
	d.Cosine = cosine(dot, n1, n2)
	w.ra, w.rb = grow(w.ra, n), grow(w.rb, n)
	w.orderA = w.r.ranks(w.va, w.ra, w.orderA)
	w.orderB = w.r.ranks(w.vb, w.rb, w.orderB)
	d.Spearman = w.r.spearman(w.ra, w.rb)
	d.TopOverlap = w.r.topOverlap(w.orderA, w.orderB, topK(n))
	return d
}
