package datasets

import (
	"fmt"
	"io"
	"path"
	"sync"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// ProgressBars draws one mpb progress bar per download and a total
// (bytes, rate, ETA) on w. Call Wait once the downloads are over.
type ProgressBars struct {
	p     *mpb.Progress
	mu    sync.Mutex
	total *mpb.Bar
	sum   int64
}

// NewProgressBars starts drawing on w; the caller checks that w is a
// terminal (iostreams.ShowProgress).
func NewProgressBars(w io.Writer) *ProgressBars {
	// The caller decided to draw (stderr is a terminal): refresh whatever w is.
	pb := &ProgressBars{p: mpb.New(mpb.WithOutput(w), mpb.WithWidth(40), mpb.WithAutoRefresh())}
	pb.total = pb.p.AddBar(0,
		mpb.BarPriority(1<<30), // drawn last, below the files
		mpb.PrependDecorators(decor.Name("total", decor.WCSyncSpaceR), decor.CountersKibiByte("% .1f / % .1f", decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.AverageSpeed(decor.SizeB1024(0), "% .1f", decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)),
	)
	return pb
}

// StartFile adds a bar for one file.
func (pb *ProgressBars) StartFile(name string, size, have int64) FileProgress {
	pb.mu.Lock()
	pb.sum += size
	pb.total.SetTotal(pb.sum, false)
	pb.total.IncrInt64(have)
	pb.mu.Unlock()
	bar := pb.p.AddBar(size,
		mpb.BarRemoveOnComplete(),
		mpb.PrependDecorators(decor.Name(path.Base(name), decor.WCSyncSpaceR), decor.CountersKibiByte("% .1f / % .1f", decor.WCSyncSpace)),
		mpb.AppendDecorators(decor.AverageSpeed(decor.SizeB1024(0), "% .1f", decor.WCSyncSpace), decor.Name(" ETA "), decor.AverageETA(decor.ET_STYLE_GO)),
	)
	bar.SetCurrent(have)
	return &fileBar{pb: pb, bar: bar, have: have}
}

// Wait completes the total bar and waits for the drawing to end.
func (pb *ProgressBars) Wait() {
	pb.mu.Lock()
	pb.total.SetTotal(-1, true)
	pb.mu.Unlock()
	pb.p.Wait()
}

type fileBar struct {
	pb   *ProgressBars
	bar  *mpb.Bar
	mu   sync.Mutex
	have int64
}

func (f *fileBar) Add(n int) {
	f.mu.Lock()
	f.have += int64(n)
	f.mu.Unlock()
	f.bar.IncrBy(n)
	f.pb.total.IncrBy(n)
}

func (f *fileBar) Restart(have int64) {
	f.mu.Lock()
	drop := f.have - have
	f.have = have
	f.mu.Unlock()
	f.bar.SetCurrent(have)
	f.pb.mu.Lock()
	f.pb.total.SetCurrent(f.pb.total.Current() - drop)
	f.pb.mu.Unlock()
}

func (f *fileBar) Done(err error) {
	if err != nil {
		f.bar.Abort(false)
		return
	}
	f.bar.SetTotal(-1, true)
}

// WaitingForLock prints a line above the bars while another process
// fetches the same file.
func (pb *ProgressBars) WaitingForLock(name string) {
	fmt.Fprintf(pb.p, "%s: another process is fetching it; waiting\n", path.Base(name))
}
