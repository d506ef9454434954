package tokenize

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"
)

// LineFunc appends the result for one input line (given without its line
// end) to dst, with its own line ends, and returns the extended slice. It
// must be safe for concurrent use and must not keep line.
type LineFunc func(dst, line []byte) []byte

// PipelineStats describe a ProcessLines run.
type PipelineStats struct {
	Lines            int64 `json:"lines"`
	BytesIn          int64 `json:"bytes_in"`
	BytesOut         int64 `json:"bytes_out"`
	InvalidUTF8Lines int64 `json:"invalid_utf8_lines"`
}

// pipelineBatchSize is the amount of input a worker takes at a time: large
// enough to amortise the hand-offs, small enough to keep two cores busy on
// short inputs and memory low (about 4×workers batches are in flight).
const pipelineBatchSize = 128 << 10

// ProcessLines reads lines from r, runs fn on each on workers goroutines
// (workers ≤ 0 means one per CPU) and writes the results to w in input
// order, so the output is byte-identical for any worker count. Line ends
// "\n" and "\r\n" are accepted; a last line without one is processed too.
// Invalid UTF-8 in a line is replaced by U+FFFD before fn sees it (and
// counted). Memory stays bounded by the batches in flight plus the longest
// line. Cancelling ctx stops the run with ctx's error.
func ProcessLines(ctx context.Context, r io.Reader, w io.Writer, workers int, fn LineFunc) (PipelineStats, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	type batch struct {
		in, out []byte
		lines   int64
		invalid int64
		done    chan struct{}
	}
	pool := sync.Pool{New: func() any { return &batch{} }}
	work := make(chan *batch, workers)
	order := make(chan *batch, 3*workers)
	g, gctx := errgroup.WithContext(ctx)
	var stats PipelineStats

	// Reader: cut the input into batches of whole lines.
	g.Go(func() error {
		defer close(work)
		defer close(order)
		var carry []byte
		for eof := false; !eof; {
			b := pool.Get().(*batch)
			buf := append(b.in[:0], carry...)
			carry = carry[:0]
			// The carried part of a line holds no '\n': look only at new bytes.
			hasNL := false
			for !eof && (len(buf) < pipelineBatchSize || !hasNL) {
				buf = slices.Grow(buf, max(32<<10, pipelineBatchSize-len(buf)))
				n, err := r.Read(buf[len(buf):cap(buf)])
				hasNL = hasNL || bytes.IndexByte(buf[len(buf):len(buf)+n], '\n') >= 0
				buf = buf[:len(buf)+n]
				stats.BytesIn += int64(n)
				if errors.Is(err, io.EOF) {
					eof = true
				} else if err != nil {
					return fmt.Errorf("read input at byte %d: %w", stats.BytesIn, err)
				}
			}
			if !eof {
				cut := bytes.LastIndexByte(buf, '\n') + 1
				carry = append(carry, buf[cut:]...)
				buf = buf[:cut]
			}
			b.in, b.done = buf, make(chan struct{})
			select {
			case order <- b:
			case <-gctx.Done():
				return gctx.Err()
			}
			select {
			case work <- b:
			case <-gctx.Done():
				return gctx.Err()
			}
		}
		return nil
	})

	// Workers: run fn over each line of a batch.
	for range workers {
		g.Go(func() error {
			var fixed []byte
			for b := range work {
				b.out, b.lines, b.invalid = b.out[:0], 0, 0
				for in := b.in; len(in) > 0; {
					line := in
					if i := bytes.IndexByte(in, '\n'); i >= 0 {
						line, in = in[:i], in[i+1:]
					} else {
						in = nil
					}
					line = bytes.TrimSuffix(line, []byte{'\r'})
					if !utf8.Valid(line) {
						fixed = append(fixed[:0], bytes.ToValidUTF8(line, []byte("\uFFFD"))...)
						line = fixed
						b.invalid++
					}
					b.out = fn(b.out, line)
					b.lines++
				}
				close(b.done)
			}
			return nil
		})
	}

	// Writer: in input order.
	g.Go(func() error {
		for b := range order {
			select {
			case <-b.done:
			case <-gctx.Done():
				return gctx.Err()
			}
			n, err := w.Write(b.out)
			stats.BytesOut += int64(n)
			if err != nil {
				return fmt.Errorf("write output at byte %d: %w", stats.BytesOut, err)
			}
			stats.Lines += b.lines
			stats.InvalidUTF8Lines += b.invalid
			pool.Put(b)
		}
		return nil
	})
	err := g.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return stats, err
}
