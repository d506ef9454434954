package corpus

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

// Jobs reach consume in the order produce sent them, whatever the order the
// workers finish them in, and each worker keeps its own state.
func TestRunOrderedKeepsOrder(t *testing.T) {
	const n = 200
	var got []int
	var workersMade atomic.Int64
	err := runOrdered(context.Background(), 4,
		func(_ context.Context, send func(*int) error) error {
			for i := range n {
				if err := send(&i); err != nil {
					return err
				}
			}
			return nil
		},
		func() func(*int) error {
			r := rand.New(rand.NewPCG(uint64(workersMade.Add(1)), 1))
			return func(j *int) error {
				time.Sleep(time.Duration(r.IntN(200)) * time.Microsecond)
				*j *= 10
				return nil
			}
		},
		func(j *int) error {
			got = append(got, *j)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Fatalf("%d jobs consumed, want %d", len(got), n)
	}
	for i, v := range got {
		if v != i*10 {
			t.Fatalf("job %d consumed as %d, want %d: out of order", i, v, i*10)
		}
	}
	if workersMade.Load() != 4 {
		t.Errorf("%d workers made, want 4", workersMade.Load())
	}
}

// The first error, from any stage, stops the others and is returned, and a
// cancelled context stops a producer that would block.
func TestRunOrderedStops(t *testing.T) {
	boom := errors.New("boom")
	endless := func(ctx context.Context, send func(*int) error) error {
		for i := 0; ; i++ {
			if err := send(&i); err != nil {
				return err
			}
		}
	}
	pass := func() func(*int) error { return func(*int) error { return nil } }
	for _, tc := range []struct {
		name    string
		ctx     func() context.Context
		work    func() func(*int) error
		consume func(*int) error
		want    error
	}{
		{"worker fails", context.Background, func() func(*int) error {
			return func(j *int) error {
				if *j == 50 {
					return boom
				}
				return nil
			}
		}, func(*int) error { return nil }, boom},
		{"consumer fails", context.Background, pass, func(j *int) error {
			if *j == 7 {
				return boom
			}
			return nil
		}, boom},
		{"cancelled", func() context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}, pass, func(*int) error { return nil }, context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- runOrdered(tc.ctx(), 3, endless, tc.work, tc.consume) }()
			select {
			case err := <-done:
				if !errors.Is(err, tc.want) {
					t.Errorf("error %v, want %v", err, tc.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("runOrdered did not stop")
			}
		})
	}
}
