package corpus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Batches are cut at this much text or this many documents, whichever
// comes first.
const (
	batchBytes = 1 << 20
	batchDocs  = 256
)

// batch is a run of consecutive documents travelling through the pipeline.
type batch struct {
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

	var empty []string
	err = runOrdered(ctx, workers,
		func(_ context.Context, send func(*batch) error) error {
			var err error
			empty, err = readInputs(inputs, opts.Reader, send)
			return err
		},
		func() func(*batch) error {
			wk := newWorker(&opts, headings, split, filter)
			return func(b *batch) error {
				b.out = make([]cleanDoc, len(b.docs))
				for i, d := range b.docs {
					b.out[i] = wk.process(d, &b.st)
				}
				b.docs = nil
				return nil
			}
		},
		func(b *batch) error {
			for i := range b.out {
				if err := dw.write(&b.out[i]); err != nil {
					return fmt.Errorf("write output: %w", err)
				}
			}
			st.DocumentsRead += int64(len(b.out))
			st.InputTextBytes += b.st.InputTextBytes
			st.InvalidUTF8 += b.st.InvalidUTF8
			st.Removed.add(&b.st.Removed)
			if opts.Progress != nil {
				opts.Progress(Progress{InputBytes: b.inBytes, TotalInputBytes: total,
					Documents: st.DocumentsRead, TextBytes: st.InputTextBytes})
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	if err := dw.flush(); err != nil {
		return nil, fmt.Errorf("write output: %w", err)
	}
	st.EmptyInputs = empty
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
func readInputs(inputs []string, ro ReaderOptions, sendBatch func(*batch) error) ([]string, error) {
	var empty []string
	var done int64 // bytes of the inputs finished
	cur := &batch{}
	size := 0
	send := func(inBytes int64) error {
		cur.inBytes = inBytes
		if err := sendBatch(cur); err != nil {
			return err
		}
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
