package imatrix

import (
	"container/heap"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// NearZeroRatio defines a near-zero column: one whose mean square is below
// NearZeroRatio times the mean over all the weight's columns (so the test
// does not depend on the model's activation scale). Columns of an all-zero
// weight are all near zero.
const NearZeroRatio = 1e-3

// StatsOptions tunes ComputeStats.
type StatsOptions struct {
	// TopK is how many of the most important columns to list per weight.
	TopK int
}

// Column is one input column and its mean square.
type Column struct {
	Expert     int     `json:"expert"`
	Column     int     `json:"column"`
	MeanSquare float64 `json:"mean_square"`
}

// Summary holds the statistics shared by a weight and a layer. Mean squares
// are sum/count per column; experts with a zero count are left out.
type Summary struct {
	// Columns is the number of input columns (per expert for a weight; the
	// sum over the layer's weights for a layer).
	Columns int `json:"columns"`
	// Values is how many mean squares the statistics cover: columns times
	// the experts that saw data.
	Values int `json:"values"`
	// Count is the total number of activation rows summed.
	Count int64 `json:"count"`
	// SumMeanSquares is Σ of the mean squares.
	SumMeanSquares float64 `json:"sum_mean_squares"`
	// Mean and Max are the mean and the largest mean square.
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
	// NearZero is the share of values below NearZeroRatio × the weight's mean.
	NearZero float64 `json:"near_zero_share"`
	// Entropy is the entropy of p_j = v_j/Σv divided by log(Values): 1 when
	// every column matters as much, near 0 when a few dominate. It is 1 for
	// a single value and 0 when all values are zero.
	Entropy float64 `json:"normalized_entropy"`
	// CosinePrevLayer is the cosine similarity of the mean-square vector
	// with the same weight (or the same layer) one layer before; nil when
	// there is no such weight of the same size.
	CosinePrevLayer *float64 `json:"cosine_prev_layer"`

	nearZeroN   int
	sumVLogV    float64
	hasPrev     bool    // a previous-layer partner exists
	dot, n1, n2 float64 // Σab, Σa², Σb² against it
}

// WeightStats describes one weight.
type WeightStats struct {
	Name  string `json:"name"`
	Layer int    `json:"layer"` // -1 for weights outside the blocks, e.g. output.weight
	Kind  string `json:"kind"`  // the name without "blk.N." and ".weight", e.g. "attn_q"
	// Experts is the number of matrices; ExpertsWithoutData counts those
	// with a zero count.
	Experts            int `json:"experts"`
	ExpertsWithoutData int `json:"experts_without_data"`
	Summary
	// Top lists the TopK largest mean squares, largest first; columns whose
	// mean square is zero are never listed, so Top may be shorter.
	Top []Column `json:"top"`
}

// LayerStats sums the statistics of one layer's weights.
type LayerStats struct {
	Layer   int `json:"layer"`
	Weights int `json:"weights"`
	Summary
}

// Stats describes a whole imatrix.
type Stats struct {
	Datasets   []string      `json:"datasets"`
	ChunkCount int           `json:"chunk_count"`
	ChunkSize  int           `json:"chunk_size"`
	Weights    []WeightStats `json:"weights"`
	Layers     []LayerStats  `json:"layers"`
}

// ComputeStats computes per-weight and per-layer statistics of d. It never
// divides by zero: a one-layer model, an expert with no data or a column
// of zeros give defined, finite numbers.
func ComputeStats(d *Data, opts StatsOptions) *Stats {
	s := &Stats{Datasets: d.Datasets, ChunkCount: d.ChunkCount, ChunkSize: d.ChunkSize}
	byName := make(map[string]*Entry, len(d.Entries))
	for _, e := range d.Entries {
		byName[e.Name] = e
	}
	s.Weights = make([]WeightStats, len(d.Entries))
	// Weights are independent: spread them over the cores.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(1, len(d.Entries))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(d.Entries); i = int(next.Add(1) - 1) {
				e, w := d.Entries[i], &s.Weights[i]
				w.Name = e.Name
				w.Layer, w.Kind = SplitName(e.Name)
				w.Experts = e.NMat()
				weightSummary(e, opts.TopK, w)
				if prev := prevLayerEntry(e.Name, w.Layer, byName); prev != nil && len(prev.Sums) == len(e.Sums) {
					w.hasPrev = true
					w.dot, w.n1, w.n2 = meanSquareDot(e, prev)
					c := cosine(w.dot, w.n1, w.n2)
					w.CosinePrevLayer = &c
				}
			}
		}()
	}
	wg.Wait()
	sort.SliceStable(s.Weights, func(i, j int) bool { return weightLess(&s.Weights[i], &s.Weights[j]) })

	layers := map[int]*LayerStats{}
	for i := range s.Weights {
		w := &s.Weights[i]
		if w.Layer < 0 {
			continue
		}
		l := layers[w.Layer]
		if l == nil {
			l = &LayerStats{Layer: w.Layer}
			layers[w.Layer] = l
		}
		l.Weights++
		l.Columns += w.Columns
		l.Values += w.Values
		l.Count += w.Count
		l.SumMeanSquares += w.SumMeanSquares
		l.Max = math.Max(l.Max, w.Max)
		l.nearZeroN += w.nearZeroN
		l.sumVLogV += w.sumVLogV
		if w.hasPrev {
			l.hasPrev = true
			l.dot += w.dot
			l.n1 += w.n1
			l.n2 += w.n2
		}
	}
	for _, l := range layers {
		l.finish()
		if l.hasPrev {
			c := cosine(l.dot, l.n1, l.n2)
			l.CosinePrevLayer = &c
		}
		s.Layers = append(s.Layers, *l)
	}
	sort.Slice(s.Layers, func(i, j int) bool { return s.Layers[i].Layer < s.Layers[j].Layer })
	return s
}

// weightSummary fills w from e's mean squares in two passes: sums, maximum
// and Σ v·ln v first, then the near-zero count against the mean.
func weightSummary(e *Entry, topK int, w *WeightStats) {
	w.Columns = e.Cols
	top := &columnHeap{}
	for m, c := range e.Counts {
		w.Count += c
		if c <= 0 {
			w.ExpertsWithoutData++
			continue
		}
		inv := 1 / float64(c)
		for j, s := range e.Sums[m*e.Cols : (m+1)*e.Cols] {
			v := float64(s) * inv
			w.SumMeanSquares += v
			w.Max = math.Max(w.Max, v)
			if v > 0 {
				w.sumVLogV += v * math.Log(v)
			}
			if topK > 0 && v > 0 && (top.Len() < topK || v > (*top)[0].MeanSquare) {
				heap.Push(top, Column{Expert: m, Column: j, MeanSquare: v})
				if top.Len() > topK {
					heap.Pop(top)
				}
			}
		}
		w.Values += e.Cols
	}
	if w.Values > 0 {
		threshold := NearZeroRatio * w.SumMeanSquares / float64(w.Values)
		for m, c := range e.Counts {
			if c <= 0 {
				continue
			}
			inv := 1 / float64(c)
			for _, s := range e.Sums[m*e.Cols : (m+1)*e.Cols] {
				if v := float64(s) * inv; v < threshold || v == 0 {
					w.nearZeroN++
				}
			}
		}
	}
	w.finish()
	w.Top = make([]Column, top.Len())
	for i := len(w.Top) - 1; i >= 0; i-- {
		w.Top[i] = heap.Pop(top).(Column)
	}
}

// finish derives the mean, the near-zero share and the entropy from the sums.
func (s *Summary) finish() {
	if s.Values == 0 {
		return
	}
	n := float64(s.Values)
	s.Mean = s.SumMeanSquares / n
	s.NearZero = float64(s.nearZeroN) / n
	s.Entropy = normalizedEntropy(s.SumMeanSquares, s.sumVLogV, s.Values)
}

// normalizedEntropy returns H(p)/ln(n) for p_j = v_j/S, given S = Σv and
// A = Σ v ln v: H = ln S − A/S.
func normalizedEntropy(sum, sumVLogV float64, n int) float64 {
	if sum <= 0 {
		return 0
	}
	if n <= 1 {
		return 1
	}
	h := (math.Log(sum) - sumVLogV/sum) / math.Log(float64(n))
	return math.Min(1, math.Max(0, h))
}

// meanSquareDot returns Σ a·b, Σ a², Σ b² over the mean-square vectors of two
// entries of equal size; experts with a zero count contribute zeros, as in
// llama.cpp's statistics.
func meanSquareDot(a, b *Entry) (dot, n1, n2 float64) {
	ca, cb := len(a.Sums)/a.NMat(), len(b.Sums)/b.NMat()
	for i := range a.Sums {
		x := meanSquareAt(a, i, ca)
		y := meanSquareAt(b, i, cb)
		dot += x * y
		n1 += x * x
		n2 += y * y
	}
	return dot, n1, n2
}

func meanSquareAt(e *Entry, i, cols int) float64 {
	c := e.Counts[i/cols]
	if c <= 0 {
		return 0
	}
	return float64(e.Sums[i]) / float64(c)
}

// cosine returns dot/(|a||b|), 1 when both vectors are zero and 0 when one is.
func cosine(dot, n1, n2 float64) float64 {
	switch {
	case n1 == 0 && n2 == 0:
		return 1
	case n1 == 0 || n2 == 0:
		return 0
	}
	return math.Max(-1, math.Min(1, dot/(math.Sqrt(n1)*math.Sqrt(n2))))
}

// SplitName returns the layer number of a weight name ("blk.12.attn_q.weight"
// → 12) and its kind ("attn_q"); the layer is -1 when the name has no
// "blk.N." part.
func SplitName(name string) (layer int, kind string) {
	layer = -1
	kind = name
	if i := blkIndex(name); i >= 0 {
		rest := name[i+4:]
		j := strings.IndexByte(rest, '.')
		if n, err := strconv.Atoi(rest[:j]); err == nil {
			layer = n
			kind = name[:i] + rest[j+1:]
		}
	}
	kind = strings.TrimSuffix(kind, ".weight")
	return layer, kind
}

// blkIndex finds "blk.<digits>." in name and returns where it starts, or -1.
func blkIndex(name string) int {
	for off := 0; ; {
		i := strings.Index(name[off:], "blk.")
		if i < 0 {
			return -1
		}
		i += off
		if i > 0 && name[i-1] != '.' {
			off = i + 4
			continue
		}
		j := i + 4
		for j < len(name) && name[j] >= '0' && name[j] <= '9' {
			j++
		}
		if j > i+4 && j < len(name) && name[j] == '.' && j-(i+4) < 10 {
			return i
		}
		off = i + 4
	}
}

// prevLayerEntry returns the entry with the same name one layer before.
func prevLayerEntry(name string, layer int, byName map[string]*Entry) *Entry {
	if layer <= 0 {
		return nil
	}
	i := blkIndex(name)
	rest := name[i+4:]
	j := strings.IndexByte(rest, '.')
	return byName[name[:i+4]+strconv.Itoa(layer-1)+rest[j:]]
}

func weightLess(a, b *WeightStats) bool {
	la, lb := a.Layer, b.Layer
	if la < 0 {
		la = math.MaxInt
	}
	if lb < 0 {
		lb = math.MaxInt
	}
	if la != lb {
		return la < lb
	}
	return a.Name < b.Name
}

// columnHeap is a min-heap of columns by mean square; among equal values
// the higher index is smaller, so the lowest indices are kept.
type columnHeap []Column

func (h columnHeap) Len() int { return len(h) }
func (h columnHeap) Less(i, j int) bool {
	if h[i].MeanSquare != h[j].MeanSquare {
		return h[i].MeanSquare < h[j].MeanSquare
	}
	if h[i].Expert != h[j].Expert {
		return h[i].Expert > h[j].Expert
	}
	return h[i].Column > h[j].Column
}
func (h columnHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *columnHeap) Push(x any)   { *h = append(*h, x.(Column)) }
func (h *columnHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
