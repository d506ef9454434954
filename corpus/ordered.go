package corpus

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"
)

// runOrdered is the build pipelines' shape: produce sends jobs in order,
// workers goroutines each run work (made once per goroutine by newWork, for
// its own state) on the jobs they take, and consume receives every job
// after its work, in the order produce sent them, on one goroutine. At most
// 2*workers+2 jobs are in flight, so a slow job cannot make the reorder
// buffer grow without end. The first error cancels the rest and is
// returned.
func runOrdered[J any](ctx context.Context, workers int,
	produce func(ctx context.Context, send func(J) error) error,
	newWork func() func(J) error,
	consume func(J) error) error {
	type job struct {
		seq int
		j   J
	}
	g, ctx := errgroup.WithContext(ctx)
	jobs := make(chan job, workers)
	results := make(chan job, workers)
	tokens := make(chan struct{}, 2*workers+2)

	g.Go(func() error {
		defer close(jobs)
		seq := 0
		return produce(ctx, func(j J) error {
			select {
			case tokens <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			select {
			case jobs <- job{seq, j}:
			case <-ctx.Done():
				return ctx.Err()
			}
			seq++
			return nil
		})
	})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		g.Go(func() error {
			defer wg.Done()
			work := newWork()
			for jb := range jobs {
				if err := work(jb.j); err != nil {
					return err
				}
				select {
				case results <- jb:
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
		pending := map[int]J{}
		next := 0
		for jb := range results {
			pending[jb.seq] = jb.j
			for {
				j, ok := pending[next]
				if !ok {
					break
				}
				delete(pending, next)
				next++
				if err := consume(j); err != nil {
					return err
				}
				<-tokens
			}
		}
		return nil
	})
	return g.Wait()
}
