package hfdataset

import "context"

// rowPipe hands rows from the reading goroutine (read, UTF-8 check,
// counts, sha256) to a writing goroutine (parquet encoding and zstd), so
// that the two halves of the work run on two cores.
type rowPipe struct {
	ch    chan []Row
	free  chan []Row
	done  chan error
	batch []Row
	stop  context.CancelFunc
	ctx   context.Context
}

func newRowPipe(ctx context.Context, write func([]Row) error) *rowPipe {
	ctx, cancel := context.WithCancel(ctx)
	p := &rowPipe{ch: make(chan []Row, 4), free: make(chan []Row, 6), done: make(chan error, 1), stop: cancel, ctx: ctx}
	for range 6 {
		p.free <- make([]Row, 0, batchRows)
	}
	p.batch = <-p.free
	go func() {
		var err error
		for b := range p.ch {
			if err == nil {
				if err = write(b); err != nil {
					cancel()
				}
			}
			clear(b)
			p.free <- b[:0]
		}
		p.done <- err
	}()
	return p
}

// add queues a copy of r.
func (p *rowPipe) add(r *Row) error {
	p.batch = append(p.batch, *r)
	if len(p.batch) < cap(p.batch) {
		return nil
	}
	return p.send()
}

func (p *rowPipe) send() error {
	select {
	case p.ch <- p.batch:
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
	select {
	case p.batch = <-p.free:
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
	return nil
}

// close sends what is left and waits for the writer; the writer's error
// comes first.
func (p *rowPipe) close(readErr error) error {
	if readErr == nil && len(p.batch) > 0 {
		readErr = p.send()
	}
	close(p.ch)
	werr := <-p.done
	p.stop()
	if werr != nil {
		return werr
	}
	return readErr
}
