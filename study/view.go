package study

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/calibkit/calibkit/study/plan"
)

// view shows a run's progress: on a terminal (Options.Progress) a bar of
// steps done with its ETA and a bar for the current step; on Options.Log
// one line per finished step.
type view struct {
	p     *mpb.Progress
	total *mpb.Bar
	cur   *mpb.Bar
	log   io.Writer
	mu    sync.Mutex
	name  string
}

func newView(ctx context.Context, term, log io.Writer, steps int) *view {
	v := &view{log: log}
	if term == nil {
		return v
	}
	v.p = mpb.NewWithContext(ctx, mpb.WithOutput(term), mpb.WithWidth(40), mpb.WithAutoRefresh())
	v.total = v.p.AddBar(int64(steps), mpb.BarPriority(0),
		mpb.PrependDecorators(decor.Name("study "), decor.CountersNoUnit("%d/%d steps")),
		mpb.AppendDecorators(decor.Name(" ETA "), decor.OnComplete(decor.AverageETA(decor.ET_STYLE_GO), "done")))
	return v
}

func (v *view) start(st *plan.Step) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.name = st.ID
	if v.p == nil {
		return
	}
	if v.cur != nil {
		v.cur.Abort(true)
	}
	name := st.ID
	v.cur = v.p.AddBar(0, mpb.BarPriority(1), mpb.BarRemoveOnComplete(),
		mpb.PrependDecorators(decor.Name("  "+name+" ")),
		mpb.AppendDecorators(decor.Percentage(), decor.Name(" "), decor.Elapsed(decor.ET_STYLE_GO)))
}

// progress is called by the engines with work done out of a total.
func (v *view) progress(done, total int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cur == nil || total <= 0 {
		return
	}
	v.cur.SetTotal(int64(total), false)
	v.cur.SetCurrent(int64(done))
}

func (v *view) waiting(st *plan.Step) {
	v.printf("%s: waiting for another process computing it\n", st.ID)
}

func (v *view) done(st *plan.Step, how string) {
	v.mu.Lock()
	if v.cur != nil {
		v.cur.Abort(true)
		v.cur = nil
	}
	if v.total != nil {
		v.total.Increment()
	}
	v.mu.Unlock()
	if how != "cached" {
		v.printf("%s: %s\n", st.ID, how)
	}
}

func (v *view) failed(st *plan.Step, e StepError) {
	v.done(st, "FAILED")
	msg := fmt.Sprintf("calibkit: step %s failed: %s\n", st.ID, e.Err)
	if e.Log != "" {
		msg += "  log: " + e.Log + "\n" + indent(tailFile(e.Log, 10), "  | ")
	}
	v.printf("%s", msg)
}

func (v *view) printf(format string, a ...any) {
	switch {
	case v.p != nil:
		fmt.Fprintf(v.p, format, a...)
	case v.log != nil:
		fmt.Fprintf(v.log, format, a...)
	}
}

func (v *view) finish() {
	if v.p == nil {
		return
	}
	if v.cur != nil {
		v.cur.Abort(true)
	}
	v.total.Abort(false)
	v.p.Wait()
}

func indent(s, prefix string) string {
	if s == "" {
		return ""
	}
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return prefix + strings.Join(lines, "\n"+prefix) + "\n"
}
