package coverage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/calibkit/calibkit/internal/llama"
)

// piece is a part of a text and its byte offset in it.
type piece struct {
	text string
	off  int64
}

// countPieces tokenizes the pieces of pr on threads goroutines and returns
// the occurrences of each token id, the token and byte totals and the
// number of pieces. Each goroutine keeps its own OS thread: glibc gives each
// thread its own malloc arena and keeps what llama.cpp's tokenizer frees
// there, so pieces tokenized on ever other threads would each leave their
// peak behind. progress gets the bytes done after each piece.
func countPieces(ctx context.Context, m *llama.Model, pr *pieceReader, threads int, parseSpecial bool, progress func(int64)) (counts []int64, tokens, bytes int64, pieces int, err error) {
	threads = max(threads, 1)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	counts = make([]int64, m.NVocab())
	work := make(chan piece)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			mine := make([]int64, len(counts))
			var n int64
			for p := range work {
				toks, err := m.Tokenize(p.text, false, parseSpecial)
				if err != nil {
					cancel(fmt.Errorf("piece at byte offset %d: %w", p.off, err))
					continue
				}
				for _, t := range toks {
					mine[t]++
				}
				n += int64(len(toks))
				mu.Lock()
				bytes += int64(len(p.text))
				progress(bytes) // under the lock: callers need not be safe for concurrent use
				mu.Unlock()
			}
			mu.Lock()
			defer mu.Unlock()
			for id, c := range mine {
				counts[id] += c
			}
			tokens += n
		}()
	}
	err = feed(ctx, pr, work, &pieces)
	close(work)
	wg.Wait()
	if cause := context.Cause(ctx); cause != nil && err == nil {
		err = cause
	}
	return counts, tokens, bytes, pieces, err
}

// feed sends pr's pieces to work, checked to be UTF-8, until the text ends
// or ctx is done.
func feed(ctx context.Context, pr *pieceReader, work chan<- piece, pieces *int) error {
	for {
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		b, off, err := pr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if bad := invalidUTF8(b); bad >= 0 {
			return fmt.Errorf("not UTF-8: invalid byte 0x%02x at byte offset %d; convert the file to UTF-8", b[bad], off+int64(bad))
		}
		select {
		case work <- piece{text: string(b), off: off}:
			*pieces++
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}
