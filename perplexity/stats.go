package perplexity

import (
	"math"
	"slices"
)

// KLDStats are llama-perplexity --kl-divergence's statistics over every
// scored token. Probabilities and their differences are fractions (upstream
// prints them ×100 as percent). Uncertainties are standard errors computed
// as upstream computes them (0 for fewer than 11 tokens).
type KLDStats struct {
	Count int `json:"count"`
	// PPL is the model's perplexity (PPL(Q)), BasePPL the base's.
	PPL        float64 `json:"ppl"`
	PPLErr     float64 `json:"ppl_error"`
	BasePPL    float64 `json:"base_ppl"`
	BasePPLErr float64 `json:"base_ppl_error"`
	// Cor is the correlation of the two per-token log-likelihoods.
	Cor float64 `json:"cor"`
	// LogRatio is ln(PPL(Q)/PPL(base)), Ratio PPL(Q)/PPL(base), Diff
	// PPL(Q)-PPL(base).
	LogRatio    float64 `json:"ln_ppl_ratio"`
	LogRatioErr float64 `json:"ln_ppl_ratio_error"`
	Ratio       float64 `json:"ppl_ratio"`
	RatioErr    float64 `json:"ppl_ratio_error"`
	Diff        float64 `json:"ppl_diff"`
	DiffErr     float64 `json:"ppl_diff_error"`
	// KLD is the mean KL divergence (base || model) per token.
	KLD    float64     `json:"kld"`
	KLDErr float64     `json:"kld_error"`
	KLDPct Percentiles `json:"kld_percentiles"`
	// DeltaP is p(token) - p_base(token): its mean, percentiles and RMS.
	DeltaP       float64     `json:"delta_p"`
	DeltaPErr    float64     `json:"delta_p_error"`
	DeltaPPct    Percentiles `json:"delta_p_percentiles"`
	RMSDeltaP    float64     `json:"rms_delta_p"`
	RMSDeltaPErr float64     `json:"rms_delta_p_error"`
	// SameTop is the share of tokens where both models rank the same token
	// first.
	SameTop    float64 `json:"same_top"`
	SameTopErr float64 `json:"same_top_error"`
	// ChunkKLD is each chunk's mean KL divergence over its scored tokens,
	// in text order: two quants scored against the same base file have the
	// same chunks, so theirs can be compared pair by pair. Every chunk
	// scores as many tokens, so their mean is KLD.
	ChunkKLD []float64 `json:"chunk_kld"`
}

// Percentiles are the order statistics upstream prints, interpolated as it
// does (float32 arithmetic, the median as the mean of the two middle
// values for an even count).
type Percentiles struct {
	Max    float64 `json:"max"`
	P999   float64 `json:"p99_9"`
	P99    float64 `json:"p99"`
	P95    float64 `json:"p95"`
	P90    float64 `json:"p90"`
	P75    float64 `json:"p75"`
	Median float64 `json:"median"`
	P25    float64 `json:"p25"`
	P10    float64 `json:"p10"`
	P5     float64 `json:"p5"`
	P1     float64 `json:"p1"`
	P01    float64 `json:"p0_1"`
	Min    float64 `json:"min"`
}

// kldSums are upstream's running sums (kl_divergence_result).
type kldSums struct {
	nll, nll2, nllBase, nllBase2, nllNLLBase float64
	kld, kld2                                float64
	pDiff, pDiff2, pDiff4                    float64
	sameTop, count                           int
}

// meanAndUncertainty is upstream's: the mean and its standard error, the
// error 0 unless the variance is positive and count > 10.
func meanAndUncertainty(sum, sum2 float64, count int) (float64, float64) {
	if count < 1 {
		return 0, 0
	}
	f := sum / float64(count)
	df := sum2/float64(count) - f*f
	if df > 0 && count > 10 {
		df = math.Sqrt(df / float64(count-1))
	} else {
		df = 0
	}
	return f, df
}

func covariance(suma, sumb, sumab float64, count int) float64 {
	if count < 10 {
		return 0
	}
	c := float64(count)
	return (sumab/c - (suma/c)*(sumb/c)) / (c - 1)
}

// running returns the values of one line of the per-chunk table: PPL(Q)
// and its error, ln ratio and error, KLD and error, RMS Δp and error, same
// top and error.
func (s *kldSums) running() [10]float64 {
	lp, lpe := meanAndUncertainty(s.nll, s.nll2, s.count)
	lb, lbe := meanAndUncertainty(s.nllBase, s.nllBase2, s.count)
	cov := covariance(s.nll, s.nllBase, s.nllNLLBase, s.count)
	k, ke := meanAndUncertainty(s.kld, s.kld2, s.count)
	mse, msee := meanAndUncertainty(s.pDiff2, s.pDiff4, s.count)
	rms := math.Sqrt(mse)
	top := float64(s.sameTop) / float64(s.count)
	ppl := math.Exp(lp)
	return [10]float64{ppl, ppl * lpe, lp - lb, math.Sqrt(lpe*lpe + lbe*lbe - 2*cov), k, ke,
		rms, 0.5 / rms * msee, top, math.Sqrt(top * (1 - top) / float64(s.count-1))}
}

// stats computes the final statistics; kld and pDiff are sorted in place.
func (s *kldSums) stats(kld, pDiff []float32) *KLDStats {
	st := &KLDStats{Count: s.count}
	lp, lpe := meanAndUncertainty(s.nll, s.nll2, s.count)
	lb, lbe := meanAndUncertainty(s.nllBase, s.nllBase2, s.count)
	st.PPL = math.Exp(lp)
	st.PPLErr = st.PPL * lpe
	st.BasePPL = math.Exp(lb)
	st.BasePPLErr = st.BasePPL * lbe
	cov := covariance(s.nll, s.nllBase, s.nllNLLBase, s.count)
	st.Cor = cov / (lpe * lbe)
	st.LogRatio = lp - lb
	st.LogRatioErr = math.Sqrt(lpe*lpe + lbe*lbe - 2*cov)
	st.Ratio = math.Exp(st.LogRatio)
	st.RatioErr = st.Ratio * st.LogRatioErr
	pplCov := st.PPL * st.BasePPL * cov
	st.Diff = st.PPL - st.BasePPL
	st.DiffErr = math.Sqrt(st.PPLErr*st.PPLErr + st.BasePPLErr*st.BasePPLErr - 2*pplCov)
	st.KLD, st.KLDErr = meanAndUncertainty(s.kld, s.kld2, s.count)
	st.DeltaP, st.DeltaPErr = meanAndUncertainty(s.pDiff, s.pDiff2, s.count)
	mse, msee := meanAndUncertainty(s.pDiff2, s.pDiff4, s.count)
	st.RMSDeltaP = math.Sqrt(mse)
	st.RMSDeltaPErr = 0.5 / st.RMSDeltaP * msee
	st.SameTop = float64(s.sameTop) / float64(s.count)
	st.SameTopErr = math.Sqrt(st.SameTop * (1 - st.SameTop) / float64(s.count-1))
	slices.Sort(kld)
	slices.Sort(pDiff)
	st.KLDPct = percentiles(kld)
	st.DeltaPPct = percentiles(pDiff)
	return st
}

func percentiles(v []float32) Percentiles {
	if len(v) == 0 {
		return Percentiles{}
	}
	n := len(v)
	var med float32
	if n%2 == 0 {
		med = 0.5 * (v[n/2] + v[n/2-1])
	} else {
		med = v[n/2]
	}
	pct := func(fraction float32) float64 {
		p := fraction * float32(n-1)
		ip := int(p)
		p -= float32(ip)
		return float64((1-p)*v[ip] + p*v[min(ip+1, n-1)])
	}
	return Percentiles{
		Max: float64(v[n-1]), P999: pct(0.999), P99: pct(0.990), P95: pct(0.950), P90: pct(0.900),
		P75: pct(0.750), Median: float64(med), P25: pct(0.250), P10: pct(0.100), P5: pct(0.050),
		P1: pct(0.010), P01: pct(0.001), Min: float64(v[0]),
	}
}
