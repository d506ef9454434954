package results

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// PairedRatio is a cell's mean KL divergence against the baseline's on the
// same eval set and variant, over the same chunks: Ratio = mean(a)/mean(b)
// for the cell's per-chunk mean KLD a_i and the baseline's b_i (every
// chunk scores as many tokens, so it is the ratio of the two Mean KLDs).
// Lo and Hi are its 95% interval by Fieller's theorem: the ratios ρ for
// which the paired Student t-test of a_i − ρ·b_i against 0 does not
// reject at 5%, the roots of (ā − ρ·b̄)² = t²·(s_aa − 2ρ·s_ab + ρ²·s_bb)/n
// with t = t(0.975, n−1) and s the sample (co)variances. Unlike the delta
// method it needs no linearization, so it stays right when the interval
// is wide and lopsided; and since ρ = 1 is the plain paired t-test of the
// differences a_i − b_i, a bounded interval leaves out 1 exactly when that
// test rejects. When the baseline's mean KLD is itself within the noise
// (t²·s_bb/n ≥ b̄²) the set is unbounded: Lo and Hi are then −Inf and
// +Inf, and the ratio is no verdict (not Significant). Chunks are the
// unit, taken as independent draws, as for Paired.
type PairedRatio struct {
	N     int     `json:"n"`
	Ratio float64 `json:"ratio"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
}

// Bounded says whether the interval is finite.
func (p PairedRatio) Bounded() bool { return !math.IsInf(p.Lo, 0) && !math.IsInf(p.Hi, 0) }

// Significant says whether the interval leaves out 1.
func (p PairedRatio) Significant() bool { return p.Bounded() && (p.Lo > 1 || p.Hi < 1) }

// String writes the ratio and its interval as the tables show them:
// "×0.8123 [0.7912, 0.8345]", or "×0.8123 [unbounded]".
func (p PairedRatio) String() string {
	if !p.Bounded() {
		return fmt.Sprintf("×%.4f [unbounded]", p.Ratio)
	}
	return fmt.Sprintf("×%.4f [%.4f, %.4f]", p.Ratio, p.Lo, p.Hi)
}

// RatioOfMeans compares two per-chunk series of the same chunks by the
// ratio of their means, with Fieller's 95% interval (PairedRatio).
func RatioOfMeans(cell, base []float64) (PairedRatio, error) {
	if len(cell) != len(base) {
		return PairedRatio{}, fmt.Errorf("the two runs scored %d and %d chunks: not the same base file and settings", len(cell), len(base))
	}
	n := len(cell)
	if n < 2 {
		return PairedRatio{}, fmt.Errorf("%d chunks: a paired interval needs at least 2", n)
	}
	var sa, sb float64
	for i := range cell {
		if math.IsNaN(cell[i]+base[i]) || math.IsInf(cell[i]+base[i], 0) {
			return PairedRatio{}, fmt.Errorf("chunk %d: KLD %v and %v, not finite", i+1, cell[i], base[i])
		}
		sa += cell[i]
		sb += base[i]
	}
	ma, mb := sa/float64(n), sb/float64(n)
	var saa, sbb, sab float64
	for i := range cell {
		da, db := cell[i]-ma, base[i]-mb
		saa += da * da
		sbb += db * db
		sab += da * db
	}
	df := float64(n - 1)
	saa, sbb, sab = saa/df, sbb/df, sab/df
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.975)
	c := t * t / float64(n)
	// (ā − ρb̄)² − c·(s_aa − 2ρs_ab + ρ²s_bb) ≤ 0 is Aρ² − 2Bρ + C ≤ 0
	// with A = b̄² − c·s_bb, B = ā·b̄ − c·s_ab, C = ā² − c·s_aa.
	a := mb*mb - c*sbb
	b := ma*mb - c*sab
	p := PairedRatio{N: n, Ratio: ma / mb, Lo: math.Inf(-1), Hi: math.Inf(1)}
	if a <= 0 {
		return p, nil
	}
	// B² − AC, with the ā²b̄² terms cancelled on paper: c·s_zz −
	// c²·(s_aa·s_bb − s_ab²), s_zz the variance of z_i = b̄·a_i − ā·b_i.
	// Computed so, a cell identical to its baseline (an imatrix that
	// changes nothing, as with Q8_0) gives exactly 0 and the interval
	// [1, 1], where B² − AC would leave rounding noise that the square
	// root blows up to 1e-8. With A > 0 it is ≥ 0 (at ρ = ā/b̄ the
	// quadratic is −c·s(ρ)² ≤ 0); only rounding can take it below.
	var mz float64
	for i := range cell {
		mz += mb*cell[i] - ma*base[i]
	}
	mz /= float64(n)
	var szz float64
	for i := range cell {
		z := mb*cell[i] - ma*base[i] - mz
		szz += z * z
	}
	szz /= df
	d := math.Sqrt(math.Max(0, c*szz-c*c*math.Max(0, saa*sbb-sab*sab)))
	p.Lo, p.Hi = (b-d)/a, (b+d)/a
	return p, nil
}

// CompareKLD pairs every eval-set record that has per-chunk KLD with the
// baseline source's record of the same variant and eval set
// (RatioOfMeans); records without per-chunk KLD (or whose baseline has
// none) are left out.
func CompareKLD(all []*Record) map[string]PairedRatio {
	out := map[string]PairedRatio{}
	withBaseline(all, func(r, b *Record) {
		if len(r.ChunkKLD) == 0 || len(b.ChunkKLD) == 0 {
			return
		}
		if p, err := RatioOfMeans(r.ChunkKLD, b.ChunkKLD); err == nil {
			out[r.Cell] = p
		}
	})
	return out
}

// KLDCell is r's cell in a KL-divergence table: mean KLD ± its
// uncertainty and the share of same top tokens, and below it the paired
// ratio of mean KLD against the baseline with its 95% interval (bold when
// it leaves out 1), or "(baseline)" for a baseline cell with per-chunk
// KLD. paired is false when neither applies; cell is "" for a record
// without KLD.
func KLDCell(r *Record, cmp map[string]PairedRatio) (cell string, paired bool) {
	if r.KLD == nil {
		return "", false
	}
	cell = KLDValue(r)
	if p, ok := cmp[r.Cell]; ok {
		d := p.String()
		if p.Significant() {
			d = "**" + d + "**"
		}
		return cell + "<br>" + d, true
	}
	if r.Source == r.Baseline && len(r.ChunkKLD) > 0 {
		return cell + "<br>(baseline)", true
	}
	return cell, false
}

// KLDValue writes r's mean KLD ± its uncertainty and its share of same
// top tokens as the tables show them ("" without KLD).
func KLDValue(r *Record) string {
	if r.KLD == nil {
		return ""
	}
	k, top := r.KLD["Mean KLD"], r.KLD["Same top p"]
	return fmt.Sprintf("%.6f ± %.6f; %.3f%%", k.Value, k.Err, top.Value)
}
