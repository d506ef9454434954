package results

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Paired is a cell's perplexity against the baseline's on the same eval
// set and variant, chunk by chunk: d_i = NLL_cell(i) − NLL_base(i), the
// difference of the two quants' mean negative log-likelihoods on chunk i.
// MeanDiff, the mean of d_i, is the difference in log-PPL; Lo and Hi are
// its 95% Student t-interval, mean ± t(0.975, n−1)·sd(d)/√n. Chunks are
// the unit: the interval is over the eval set's chunks, taken as
// independent draws.
type Paired struct {
	N        int     `json:"n"`
	MeanDiff float64 `json:"mean_diff"`
	Lo       float64 `json:"lo"`
	Hi       float64 `json:"hi"`
}

// PPLRatio returns exp(MeanDiff), PPL(cell)/PPL(base) over the paired
// chunks, and the ratio's interval.
func (p Paired) PPLRatio() (r, lo, hi float64) {
	return math.Exp(p.MeanDiff), math.Exp(p.Lo), math.Exp(p.Hi)
}

// Significant says whether the interval leaves out 0.
func (p Paired) Significant() bool { return p.Lo > 0 || p.Hi < 0 }

// PairedDiff compares two per-chunk NLL series of the same text.
func PairedDiff(cell, base []float64) (Paired, error) {
	if len(cell) != len(base) {
		return Paired{}, fmt.Errorf("the two runs scored %d and %d chunks: not the same text and settings", len(cell), len(base))
	}
	n := len(cell)
	if n < 2 {
		return Paired{}, fmt.Errorf("%d chunks: a paired interval needs at least 2", n)
	}
	var sum float64
	for i := range cell {
		sum += cell[i] - base[i]
	}
	mean := sum / float64(n)
	var ss float64
	for i := range cell {
		d := cell[i] - base[i] - mean
		ss += d * d
	}
	sd := math.Sqrt(ss / float64(n-1))
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
	half := t * sd / math.Sqrt(float64(n))
	return Paired{N: n, MeanDiff: mean, Lo: mean - half, Hi: mean + half}, nil
}

// Compare pairs every eval-set record with the baseline source's record of
// the same variant and eval set; the baseline's own records, those without
// a baseline record and task-set records (CompareTasks) are left out.
func Compare(all []*Record) map[string]Paired {
	out := map[string]Paired{}
	withBaseline(all, func(r, b *Record) {
		if p, err := PairedDiff(r.ChunkNLL, b.ChunkNLL); err == nil {
			out[r.Cell] = p
		}
	})
	return out
}

// withBaseline calls f with every eval-set record that is not the
// baseline's and the baseline source's record of the same variant and
// eval set, where there is one.
func withBaseline(all []*Record, f func(r, base *Record)) {
	recs := pplRecords(all)
	type vk struct{ variant, eval string }
	base := map[vk]*Record{}
	for _, r := range recs {
		if r.Source == r.Baseline {
			base[vk{r.Variant, r.Eval}] = r
		}
	}
	for _, r := range recs {
		if b := base[vk{r.Variant, r.Eval}]; b != nil && b != r {
			f(r, b)
		}
	}
}

func sortByIndex(recs []*Record) {
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Index < recs[j].Index })
}
