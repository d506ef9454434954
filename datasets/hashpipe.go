package datasets

import "sync"

// hashPipe hashes downloaded buffers on its own goroutine, so that the
// sha256 of one buffer overlaps the network read and disk write of the
// next. Buffers come from a small fixed set: memory stays flat.
type hashPipe struct {
	v    *verifier
	work chan []byte
	free chan []byte
	busy sync.WaitGroup
	end  sync.WaitGroup
}

func newHashPipe(v *verifier, nbuf, size int) *hashPipe {
	p := &hashPipe{v: v, work: make(chan []byte, nbuf), free: make(chan []byte, nbuf)}
	for range nbuf {
		p.free <- make([]byte, size)
	}
	p.end.Add(1)
	go func() {
		defer p.end.Done()
		for b := range p.work {
			p.v.Write(b)
			p.free <- b[:cap(b)]
			p.busy.Done()
		}
	}()
	return p
}

// buf returns a free buffer, waiting for the hasher if all are queued.
func (p *hashPipe) buf() []byte { return <-p.free }

// feed queues b (a slice of a buffer from buf) for hashing; the buffer
// comes back to the free set once hashed.
func (p *hashPipe) feed(b []byte) {
	if len(b) == 0 {
		p.free <- b[:cap(b)]
		return
	}
	p.busy.Add(1)
	p.work <- b
}

// drain waits until everything fed is hashed.
func (p *hashPipe) drain() { p.busy.Wait() }

// close drains and stops the hasher.
func (p *hashPipe) close() {
	p.drain()
	close(p.work)
	p.end.Wait()
}
