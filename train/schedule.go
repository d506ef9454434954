package train

import "math"

// learningRate is the rate of step (0-based) of steps: a linear warm-up to
// peak over warmup steps, then a cosine decay to peak×minRatio at the last
// step.
func learningRate(step, steps, warmup int, peak, minRatio float32) float32 {
	if warmup > 0 && step < warmup {
		return peak * float32(step+1) / float32(warmup)
	}
	span := steps - warmup
	if span <= 1 {
		return peak
	}
	p := float64(step-warmup) / float64(span-1)
	lo := float64(peak * minRatio)
	return float32(lo + (float64(peak)-lo)*0.5*(1+math.Cos(math.Pi*p)))
}
