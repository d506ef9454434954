package corpus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// Batches are cut at this much text or this many documents, whichever
// comes first.
const (
	batchBytes = 1 << 20
	batchDocs  = 256
)

// batch is a run of consecutive documents travelling through the pipeline.
type batch struct {
	seq     int
	docs    []Document
	out     []cleanDoc
	st      Stats
	inBytes int64 // input file bytes consumed when the batch was cut
}

// Process reads the input files in order, cleans their documents on
// opts.Workers goroutines and writes the result to w in the given format.
// De-duplication happens in the single writer stage in input order, so the
// output is the same for any number of workers. It fails when the inputs
// hold no document at all, or when nothing is left after cleaning.
func Process(ctx context.Context, inputs []string, w io.Writer, format OutputFormat, opts Options) (*Stats, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, errors.New("no input files")
	}
	workers := opts.Workers
	if workers == 0 {
		workers = DefaultOptions().Workers
	}
	split, filter, err := stages(&opts)
	if err != nil {
		return nil, err
	}
	var total int64
	for _, in := range inputs {
		fi, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", in, err)
		}
		total += fi.Size()
	}
	headings := newHeadingSet(opts.Clean.TrailingSections, opts.Normalize.NFKC)

	st := &Stats{Inputs: len(inputs)}
	dw := newDocWriter(w, format, &opts, st)
	defer dw.close()

	g, ctx := errgroup.WithContext(ctx)
	jobs := make(chan *batch, workers)
	results := make(chan *batch, workers)
	// tokens bound the batches in flight, so a slow batch cannot make the
	// writer's reorder buffer grow without end.
	tokens := make(chan struct{}, 2*workers+2)
	emptyInputs := make(chan []string, 1)

	g.Go(func() error {
		defer close(jobs)
		empty, err := readInputs(ctx, inputs, opts.Reader, jobs, tokens)
		emptyInputs <- empty
		return err
	})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		g.Go(func() error {
			defer wg.Done()
			wk := newWorker(&opts, headings, split, filter)
			for b := range jobs {
				b.out = make([]cleanDoc, len(b.docs))
				for i, d := range b.docs {
					b.out[i] = wk.process(d, &b.st)
				}
				b.docs = nil
				select {
				case results <- b:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil
		})
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	g.Go(func() error {
		pending := map[int]*batch{}
		next := 0
		for b := range results {
			pending[b.seq] = b
			for {
				b, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				for i := range b.out {
					if err := dw.write(&b.out[i]); err != nil {
						return fmt.Errorf("write output: %w", err)
					}
				}
				st.DocumentsRead += int64(len(b.out))
				st.InputTextBytes += b.st.InputTextBytes
				st.InvalidUTF8 += b.st.InvalidUTF8
				st.Removed.add(&b.st.Removed)
				<-tokens
				if opts.Progress != nil {
					opts.Progress(Progress{InputBytes: b.inBytes, TotalInputBytes: total,
						Documents: st.DocumentsRead, TextBytes: st.InputTextBytes})
				}
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := dw.flush(); err != nil {
		return nil, fmt.Errorf("write output: %w", err)
	}
	st.EmptyInputs = <-emptyInputs
	if st.DocumentsRead == 0 {
		return nil, fmt.Errorf("no documents in %s: the input is empty", strings.Join(inputs, ", "))
	}
	if st.DocumentsWritten == 0 {
		return nil, fmt.Errorf("nothing left after cleaning: all %d documents read were emptied (removed: %+v)",
			st.DocumentsRead, st.Removed)
	}
	return st, nil
}

// readInputs reads the inputs in order and sends their documents in
// batches. It returns the inputs that held no document.
func readInputs(ctx context.Context, inputs []string, ro ReaderOptions, jobs chan<- *batch, tokens chan struct{}) ([]string, error) {
	var empty []string
	seq := 0
	var done int64 // bytes of the inputs finished
	cur := &batch{}
	size := 0
	send := func(inBytes int64) error {
		cur.seq, cur.inBytes = seq, inBytes
		select {
		case tokens <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case jobs <- cur:
		case <-ctx.Done():
			return ctx.Err()
		}
		seq++
		cur, size = &batch{}, 0
		return nil
	}
	for _, path := range inputs {
		r, err := Open(path, ro)
		if err != nil {
			return empty, err
		}
		n := 0
		var invalid int64
		for {
			doc, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				r.Close()
				return empty, err
			}
			n++
			cur.docs = append(cur.docs, doc)
			size += len(doc.Text)
			if size >= batchBytes || len(cur.docs) >= batchDocs {
				if iv, ok := r.(interface{ InvalidUTF8() int64 }); ok {
					cur.st.InvalidUTF8 += iv.InvalidUTF8() - invalid
					invalid = iv.InvalidUTF8()
				}
				if err := send(done + r.Offset()); err != nil {
					r.Close()
					return empty, err
				}
			}
		}
		if iv, ok := r.(interface{ InvalidUTF8() int64 }); ok {
			cur.st.InvalidUTF8 += iv.InvalidUTF8() - invalid
		}
		if err := r.Close(); err != nil {
			return empty, fmt.Errorf("close input %s: %w", path, err)
		}
		if fi, err := os.Stat(path); err == nil {
			done += fi.Size()
		}
		if n == 0 {
			empty = append(empty, path)
		}
	}
	if len(cur.docs) > 0 || cur.st.InvalidUTF8 > 0 {
		return empty, send(done)
	}
	return empty, nil
}
