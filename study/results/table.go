package results

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// order returns the distinct values of f over recs in first-seen order.
func order(recs []*Record, f func(*Record) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range recs {
		if v := f(r); !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// FormatPPL writes a perplexity and its error as a measurement and its
// uncertainty are written: the error to two significant digits and the
// PPL to the same decimal place (7.53214 ± 0.04651 is "7.532 ± 0.047",
// 3581.0979 ± 168.5289 "3580 ± 170"). Further digits would be below the
// PPL's own error, which is the spread of the eval set's chunks; smaller
// differences between quants are what the paired ratio measures, with its
// own interval. Without a usable error (0, NaN, infinite) the PPL gets 4
// decimals.
func FormatPPL(ppl, e float64) string {
	d, ok := places(e)
	if !ok || math.IsNaN(ppl) || math.IsInf(ppl, 0) {
		return fmt.Sprintf("%.4f ± %.4f", ppl, e)
	}
	if d >= 0 {
		return fmt.Sprintf("%.*f ± %.*f", d, ppl, d, e)
	}
	return fmt.Sprintf("%.0f ± %.0f", roundTo(ppl, d), roundTo(e, d))
}

// places returns the decimal places that give e two significant digits
// (negative: tens, hundreds...); ok is false when e is 0, negative, NaN
// or infinite.
func places(e float64) (d int, ok bool) {
	if !(e > 0) || math.IsInf(e, 0) {
		return 0, false
	}
	d = 1 - int(math.Floor(math.Log10(e)))
	if roundTo(e, d) >= math.Pow10(2-d) {
		d-- // e rounds up into the next decade (0.0996 → 0.10)
	}
	return d, true
}

// roundTo rounds v to d decimals (d < 0: to tens, hundreds...).
func roundTo(v float64, d int) float64 {
	if d >= 0 {
		q := math.Pow10(d)
		return math.Round(v*q) / q
	}
	q := math.Pow10(-d)
	return math.Round(v/q) * q
}

// PPLCell is r's cell in a perplexity table: its PPL ± error (FormatPPL)
// and, below it, its paired PPL ratio against the baseline with the 95%
// interval (4 decimals; bold when the interval leaves out 1), or
// "(baseline)" for a baseline cell. paired is false when neither applies
// (no baseline cell to pair with); the cell is then the PPL alone.
func PPLCell(r *Record, cmp map[string]Paired) (cell string, paired bool) {
	cell = FormatPPL(r.PPL, r.PPLError)
	if p, ok := cmp[r.Cell]; ok {
		d := PPLRatioText(p)
		if p.Significant() {
			d = "**" + d + "**"
		}
		return cell + "<br>" + d, true
	}
	if r.Source == r.Baseline {
		return cell + "<br>(baseline)", true
	}
	return cell, false
}

// PPLRatioText writes p's PPL ratio and its 95% interval as the tables
// show them: "×1.0123 [1.0051, 1.0195]".
func PPLRatioText(p Paired) string {
	ratio, lo, hi := p.PPLRatio()
	return fmt.Sprintf("×%.4f [%.4f, %.4f]", ratio, lo, hi)
}

// WriteMarkdown writes the study's table: a row per variant and imatrix
// source, a column per eval set; each cell gives PPL ± its error and,
// against the baseline source, the paired change in PPL with its 95%
// interval (bold when the interval leaves out no change). Task sets get a
// table of their own of the same shape: accuracy with its intervals and
// the paired difference with McNemar's test (writeTaskTable).
func WriteMarkdown(w io.Writer, title string, all []*Record) error {
	recs := pplRecords(all)
	if len(recs) == 0 {
		fmt.Fprintf(w, "# %s\n", title)
		writeTaskTable(w, all)
		return nil
	}
	cmp := Compare(recs)
	evals := order(recs, func(r *Record) string { return r.Eval })
	variants := order(recs, func(r *Record) string { return r.Variant })
	sources := order(recs, func(r *Record) string { return r.Source })
	at := map[[3]string]*Record{}
	for _, r := range recs {
		at[[3]string{r.Variant, r.Source, r.Eval}] = r
	}
	baseline := ""
	if len(recs) > 0 {
		baseline = recs[0].Baseline
	}
	fmt.Fprintf(w, "# %s\n\n", title)
	fmt.Fprintf(w, "Perplexity ± its error; below, PPL against the baseline imatrix source (%s) of the same variant, from the paired per-chunk difference in log-PPL, with its 95%% t-interval; **bold**: the interval leaves out 1.\n\n", baseline)
	fmt.Fprintf(w, "| variant | imatrix | %s |\n|---|---|%s\n", strings.Join(evals, " | "), strings.Repeat("---|", len(evals)))
	for _, v := range variants {
		for _, s := range sources {
			var cells []string
			any := false
			for _, e := range evals {
				r := at[[3]string{v, s, e}]
				if r == nil {
					cells = append(cells, "")
					continue
				}
				any = true
				c, _ := PPLCell(r, cmp)
				cells = append(cells, c)
			}
			if any {
				fmt.Fprintf(w, "| %s | %s | %s |\n", v, s, strings.Join(cells, " | "))
			}
		}
	}
	if hasKLD(recs) {
		kcmp := CompareKLD(recs)
		fmt.Fprintf(w, "\n%s\n\n", KLDCaption(baseline, len(kcmp) > 0))
		fmt.Fprintf(w, "| variant | imatrix | %s |\n|---|---|%s\n", strings.Join(evals, " | "), strings.Repeat("---|", len(evals)))
		for _, v := range variants {
			for _, s := range sources {
				var cells []string
				for _, e := range evals {
					var c string
					if r := at[[3]string{v, s, e}]; r != nil {
						c, _ = KLDCell(r, kcmp)
					}
					cells = append(cells, c)
				}
				fmt.Fprintf(w, "| %s | %s | %s |\n", v, s, strings.Join(cells, " | "))
			}
		}
		if n := WithoutChunkKLD(recs); n > 0 {
			fmt.Fprintf(w, "\n%s\n", NoChunkKLDNote(n))
		}
	}
	writeTaskTable(w, all)
	return nil
}

// KLDCaption is the line above a KL-divergence table; paired says whether
// any cell has a ratio against the baseline source.
func KLDCaption(baseline string, paired bool) string {
	s := "KL divergence against the unquantized model (mean KLD ± its uncertainty; same top token %)"
	if paired {
		s += fmt.Sprintf("; below, mean KLD against the baseline imatrix source (%s) of the same variant, the ratio of the paired per-chunk means with its 95%% Fieller interval; **bold**: the interval leaves out 1", baseline)
	}
	return s + ":"
}

// WithoutChunkKLD counts the records with KLD statistics but no
// per-chunk KLD (NoChunkKLDNote).
func WithoutChunkKLD(recs []*Record) int {
	n := 0
	for _, r := range recs {
		if r.KLD != nil && len(r.ChunkKLD) == 0 {
			n++
		}
	}
	return n
}

// NoChunkKLDNote says why n cells have no KLD ratio.
func NoChunkKLDNote(n int) string {
	return fmt.Sprintf("%d cell(s) have no per-chunk KLD in their record (a KL-divergence step cached before calibkit recorded it), so no paired ratio: remove the study's steps/kld folder and run the study again to compute them.", n)
}

func hasKLD(recs []*Record) bool {
	for _, r := range recs {
		if r.KLD != nil {
			return true
		}
	}
	return false
}

// CSVHeader are results.csv's columns.
var CSVHeader = []string{"index", "cell", "source", "source_kind", "share", "repeat", "variant", "eval", "engine",
	"ppl", "ppl_error", "chunks_scored", "dlogppl_vs_baseline", "dlogppl_lo95", "dlogppl_hi95",
	"mean_kld", "mean_kld_error", "same_top_p", "source_bytes", "source_tokens", "imatrix_chunks", "quant_bytes", "seconds",
	"task", "task_mode", "accuracy", "accuracy_stderr", "wilson_lo95", "wilson_hi95", "tasks_scored", "tasks_correct",
	"dacc_vs_baseline_pp", "dacc_lo95_pp", "dacc_hi95_pp", "mcnemar_p",
	"kld_ratio_vs_baseline", "kld_ratio_lo95", "kld_ratio_hi95"}

// WriteCSV writes one row per record.
func WriteCSV(w io.Writer, recs []*Record) error {
	cmp := Compare(recs)
	tcmp := CompareTasks(recs)
	kcmp := CompareKLD(recs)
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	g := func(v float64) string {
		if math.IsNaN(v) {
			return ""
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	for _, r := range recs {
		share := ""
		if r.Share != nil {
			share = g(*r.Share)
		}
		dl, lo, hi := "", "", ""
		if p, ok := cmp[r.Cell]; ok {
			dl, lo, hi = g(p.MeanDiff), g(p.Lo), g(p.Hi)
		}
		kld, kerr, top := "", "", ""
		if r.KLD != nil {
			kld, kerr, top = g(r.KLD["Mean KLD"].Value), g(r.KLD["Mean KLD"].Err), g(r.KLD["Same top p"].Value)
		}
		var secs float64
		for _, s := range r.Seconds {
			secs += s
		}
		ppl, pplErr, nChunks := g(r.PPL), g(r.PPLError), strconv.Itoa(len(r.ChunkNLL))
		task := make([]string, 12)
		if ts := r.TaskScore; ts != nil {
			ppl, pplErr, nChunks = "", "", ""
			task = []string{r.Task, ts.Mode, g(ts.Accuracy), g(ts.StdErr), g(ts.Wilson95[0]), g(ts.Wilson95[1]),
				strconv.Itoa(ts.Scored), strconv.Itoa(ts.Correct), "", "", "", ""}
			if p, ok := tcmp[r.Cell]; ok {
				task[8], task[9], task[10], task[11] = g(p.Diff), g(p.Lo), g(p.Hi), g(p.P)
			}
		}
		row := []string{strconv.Itoa(r.Index), r.Cell, r.Source, r.SourceKind, share, strconv.Itoa(r.Repeat), r.Variant, r.Eval, r.Engine,
			ppl, pplErr, nChunks, dl, lo, hi, kld, kerr, top,
			strconv.FormatInt(r.SourceBytes, 10), strconv.Itoa(r.SourceTokens), strconv.Itoa(r.ImatrixChunks), strconv.FormatInt(r.QuantBytes, 10), g(secs)}
		row = append(row, task...)
		kr, klo, khi := "", "", ""
		if p, ok := kcmp[r.Cell]; ok {
			kr, klo, khi = g(p.Ratio), g(p.Lo), g(p.Hi)
		}
		row = append(row, kr, klo, khi)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
