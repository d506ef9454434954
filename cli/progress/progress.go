// Package progress draws the progress bars of calibkit's long-running
// commands on a terminal (stderr), with mpb: one bar, created when the work
// first reports its size, completed or aborted at the end. Off a terminal,
// or with --quiet, every method does nothing.
package progress

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/calibkit/calibkit/cli/iostreams"
)

// Bar is a command's progress bar. The zero value (and a Bar made off a
// terminal) draws nothing.
type Bar struct {
	p   *mpb.Progress
	b   *mpb.Bar
	t0  time.Time
	ppl float64 // or the loss, for Training
	// tokens trained on so far, for Training
	tokens int
}

// New returns a bar on io's stderr when io shows progress, else an inactive
// one. Cancelling ctx stops the drawing.
func New(ctx context.Context, io *iostreams.IOStreams) *Bar {
	if !io.ShowProgress() {
		return &Bar{}
	}
	// WithAutoRefresh: the streams say stderr is a terminal; mpb would
	// otherwise check again and draw nothing into a wrapped writer.
	return &Bar{p: mpb.NewWithContext(ctx, mpb.WithOutput(io.ErrOut), mpb.WithWidth(40), mpb.WithAutoRefresh()), ppl: math.NaN()}
}

// Active reports whether the bar draws on a terminal.
func (b *Bar) Active() bool { return b.p != nil }

// Writer returns a writer whose lines are printed above the bar while it is
// drawn (the bar owns the terminal meanwhile); nil when the bar is inactive.
func (b *Bar) Writer() io.Writer {
	if b.p == nil {
		return nil
	}
	return b.p
}

// Tokens shows the advance of a decode over text: "name done/total tokens",
// tokens/s, the running perplexity (when not NaN) and the ETA.
func (b *Bar) Tokens(name string, done, total int, ppl float64) {
	if b.p == nil {
		return
	}
	if b.b == nil {
		b.t0 = time.Now()
		b.b = b.p.AddBar(int64(total),
			mpb.PrependDecorators(decor.Name(name+" "), decor.CountersNoUnit("%d/%d tokens")),
			mpb.AppendDecorators(
				decor.Any(func(s decor.Statistics) string {
					if el := time.Since(b.t0).Seconds(); el > 0 {
						return fmt.Sprintf(" %.1f tok/s", float64(s.Current)/el)
					}
					return ""
				}),
				decor.Any(func(decor.Statistics) string {
					if math.IsNaN(b.ppl) {
						return ""
					}
					return fmt.Sprintf(" PPL %.4f", b.ppl)
				}),
				decor.Name(" "),
				decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO), "done"),
			))
	}
	b.ppl = ppl
	b.b.SetCurrent(int64(done))
}

// Training shows a training run's advance: "name step/steps steps",
// tokens/s, the last step's loss and the ETA.
func (b *Bar) Training(name string, step, steps, tokens int, loss float64) {
	if b.p == nil {
		return
	}
	if b.b == nil {
		b.t0 = time.Now()
		b.b = b.p.AddBar(int64(steps),
			mpb.PrependDecorators(decor.Name(name+" "), decor.CountersNoUnit("%d/%d steps")),
			mpb.AppendDecorators(
				decor.Any(func(decor.Statistics) string {
					if el := time.Since(b.t0).Seconds(); el > 0 {
						return fmt.Sprintf(" %.0f tok/s", float64(b.tokens)/el)
					}
					return ""
				}),
				decor.Any(func(decor.Statistics) string { return fmt.Sprintf(" loss %.3f", b.ppl) }),
				decor.Name(" "),
				decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO), "done"),
			))
	}
	b.ppl, b.tokens = loss, tokens
	b.b.SetCurrent(int64(step))
}

// Count shows the advance over a number of items: "name done/total unit"
// and the ETA.
func (b *Bar) Count(name, unit string, done, total int) {
	if b.p == nil {
		return
	}
	if b.b == nil {
		b.b = b.p.AddBar(int64(total),
			mpb.PrependDecorators(decor.Name(name+" "), decor.CountersNoUnit("%d/%d "+unit)),
			mpb.AppendDecorators(decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO), "done")))
	}
	b.b.SetCurrent(int64(done))
}

// Finish completes the bar (ok) or aborts it, and waits until it is drawn.
func (b *Bar) Finish(ok bool) {
	if b.p == nil {
		return
	}
	if b.b != nil {
		if ok {
			b.b.SetTotal(-1, true)
		} else {
			b.b.Abort(false)
		}
	}
	b.p.Wait()
}
