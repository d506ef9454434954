package democmd

import (
	"fmt"
	"math"
	"strings"

	"github.com/calibkit/calibkit/study/results"
)

// langNames names the demo's eval sets and imatrix sources in words.
var langNames = map[string]string{"en": "English", "ja": "Japanese", "none": "no"}

// findings says in words what the demo's paired intervals show: for each
// quant type and eval text, how each imatrix moves mean KLD against no
// imatrix, how the Japanese imatrix compares with the English one, and
// which perplexity differences are larger than their noise.
func findings(recs []*results.Record) []string {
	type key struct{ variant, eval, source string }
	by := map[key]*results.Record{}
	var variants, evals []string
	seen := map[string]bool{}
	for _, r := range recs {
		if r.TaskScore != nil {
			continue
		}
		by[key{r.Variant, r.Eval, r.Source}] = r
		if !seen["v"+r.Variant] {
			seen["v"+r.Variant] = true
			variants = append(variants, r.Variant)
		}
		if !seen["e"+r.Eval] {
			seen["e"+r.Eval] = true
			evals = append(evals, r.Eval)
		}
	}
	var out, ppl []string
	for _, v := range variants {
		for _, e := range evals {
			none, en, ja := by[key{v, e, "none"}], by[key{v, e, "en"}], by[key{v, e, "ja"}]
			if none == nil || en == nil || ja == nil {
				continue
			}
			var parts []string
			for _, x := range []*results.Record{en, ja} {
				if p, err := results.RatioOfMeans(x.ChunkKLD, none.ChunkKLD); err == nil {
					parts = append(parts, fmt.Sprintf("with the %s imatrix %s", langNames[x.Source], change(p.Ratio, p.Lo, p.Hi, p.Significant())))
				}
			}
			if len(parts) > 0 {
				out = append(out, fmt.Sprintf("%s on %s text, mean KLD against no imatrix: %s.", v, langNames[e], strings.Join(parts, "; ")))
			}
			if p, err := results.RatioOfMeans(ja.ChunkKLD, en.ChunkKLD); err == nil {
				verdict := "a real difference"
				if !p.Significant() {
					verdict = "not distinguishable from the noise"
				}
				out = append(out, fmt.Sprintf("%s on %s text, the Japanese imatrix against the English one: mean KLD %s, %s.",
					v, langNames[e], changeWord(p.Ratio, p.Lo, p.Hi), verdict))
			}
			for _, x := range []*results.Record{en, ja} {
				if p, err := results.PairedDiff(x.ChunkNLL, none.ChunkNLL); err == nil && p.Significant() {
					r, lo, hi := p.PPLRatio()
					ppl = append(ppl, fmt.Sprintf("%s imatrix at %s on %s text, PPL %s", langNames[x.Source], v, langNames[e], changeWord(r, lo, hi)))
				}
			}
		}
	}
	if len(ppl) > 0 {
		out = append(out, "Perplexity, differences larger than their noise: "+strings.Join(ppl, "; ")+". The others are within it: KLD against the unquantized model resolves what perplexity cannot.")
	} else if len(out) > 0 {
		out = append(out, "No perplexity difference is larger than its noise: KLD against the unquantized model resolves what perplexity cannot.")
	}
	return out
}

// change words a ratio and its interval as a change: "12.0% lower (95%
// interval -15.0% to -8.0%)", with "within the noise" when the interval
// holds 1.
func change(r, lo, hi float64, sig bool) string {
	s := changeWord(r, lo, hi)
	if !sig {
		s += ", within the noise"
	}
	return s
}

func changeWord(r, lo, hi float64) string {
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return fmt.Sprintf("×%.3f with no bounded interval", r)
	}
	pc := func(x float64) string { return fmt.Sprintf("%+.1f%%", 100*(x-1)) }
	dir := "higher"
	if r < 1 {
		dir = "lower"
	}
	return fmt.Sprintf("%.1f%% %s (95%% interval %s to %s)", math.Abs(100*(r-1)), dir, pc(lo), pc(hi))
}
