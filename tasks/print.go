package tasks

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// linePrinter writes llama-perplexity's lines for a task score as they are
// computed; the first write error is kept and stops further output.
type linePrinter struct {
	w       io.Writer
	err     error
	correct int
}

func newLinePrinter(w io.Writer) *linePrinter { return &linePrinter{w: w} }

func (p *linePrinter) printf(format string, a ...any) {
	if p.w == nil || p.err != nil {
		return
	}
	_, p.err = fmt.Fprintf(p.w, format, a...)
}

// header prints what upstream prints before the first task.
func (p *linePrinter) header(m Mode) {
	switch m {
	case Hellaswag:
		p.printf("\ntask\tacc_norm\t95%% confidence interval\n")
	case MultipleChoice:
		p.printf("\ntask\tacc_norm\n")
	}
}

// item prints the running line after r.Items[i].
func (p *linePrinter) item(r *Result, i int) {
	if p.w == nil {
		return
	}
	it := r.Items[i]
	if it.Correct {
		p.correct++
	}
	correct, n := p.correct, i+1
	switch r.Mode {
	case Hellaswag:
		freq := float64(correct) / float64(n)
		lo, hi := wilson(correct, n)
		p.printf("%d\t%.8f%%\t[%.4f%%, %.4f%%]\n", n, freq*100.0, lo*100.0, hi*100.0)
	case Winogrande:
		p.printf("%d\t%.4f\t%10s  %10s  %d  %d\n", n, 100.0*float64(correct)/float64(n),
			cfixed(it.Scores[0], 6), cfixed(it.Scores[1], 6), it.Pick, it.Gold)
	case MultipleChoice:
		p.printf("%d\t%.8f\n", n, 100.0*float64(correct)/float64(n))
	}
}

// footer prints what upstream prints after the last task: the final
// accuracy ± standard error where upstream prints one (Winogrande from 100
// tasks on; multiple choice always, with the random-chance line).
func (p *linePrinter) footer(r *Result) {
	switch r.Mode {
	case Hellaswag:
		p.printf("\n")
	case Winogrande:
		p.printf("\n")
		if r.Scored >= 100 {
			p.printf("Final Winogrande score(%d tasks): %.4f +/- %.4f\n", r.Scored, r.Accuracy, r.StdErr)
		}
	case MultipleChoice:
		p.printf("\n")
		p.printf("Final result: %s +/- %s\n", cfloat(r.Accuracy), cfloat(r.StdErr))
		p.printf("Random chance: %s +/- %s\n", cfloat(r.RandomChance), cfloat(r.RandomChanceStdErr))
		p.printf("\n")
	}
}

// cfloat formats as C's %.4f, including x86's "-nan" for 0/0.
func cfloat(v float64) string { return cfixed(v, 4) }

// cfixed formats v with prec decimals as glibc's printf does on x86, where
// 0/0 gives a NaN with the sign bit set, printed "-nan".
func cfixed(v float64, prec int) string {
	if math.IsNaN(v) {
		return "-nan"
	}
	return strconv.FormatFloat(v, 'f', prec, 64)
}

// Print writes the lines llama-perplexity prints for this score (running
// accuracy per task and the final lines), as Options.Out received them.
func (r *Result) Print(w io.Writer) error {
	p := newLinePrinter(w)
	p.header(r.Mode)
	for i := range r.Items {
		p.item(r, i)
	}
	p.footer(r)
	return p.err
}

// String returns the printed lines.
func (r *Result) String() string {
	var b strings.Builder
	r.Print(&b)
	return b.String()
}
