package filehash

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkHashFile times the cold hash pass of a 256 MiB file in the
// page cache: "Copy" as filehash hashes files; "sequential-N" reads N
// bytes at a time and hashes them on one goroutine (1024K: uploads before
// Copy), "ring-N" reads on a goroutine of its own into four buffers of N
// bytes, "mmap" hashes the mapped file; "sha256-64K-in-cache" hashes the
// same 64 KiB over and over (the hash alone, its input in the CPU cache)
// and "sha256-only" a 256 MiB buffer in memory.
func BenchmarkHashFile(b *testing.B) {
	const size = 256 << 20
	p := filepath.Join(b.TempDir(), "data.bin")
	buf := make([]byte, size)
	r := rand.NewChaCha8([32]byte{1})
	r.Read(buf)
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.Fatal(err)
	}
	b.Run("sha256-64K-in-cache", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			h := sha256.New()
			for off := 0; off < size; off += 64 << 10 {
				h.Write(buf[:64<<10])
			}
			h.Sum(nil)
		}
	})
	b.Run("sha256-only", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			sha256.Sum256(buf)
		}
	})
	b.Run("Copy", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			f, _ := os.Open(p)
			h := sha256.New()
			if _, err := Copy(context.Background(), f, h); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
	b.Run("mmap", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			f, _ := os.Open(p)
			m, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
			if err != nil {
				b.Fatal(err)
			}
			unix.Madvise(m, unix.MADV_SEQUENTIAL)
			h := sha256.New()
			for off := 0; off < size; off += 64 << 10 {
				h.Write(m[off : off+64<<10])
			}
			unix.Munmap(m)
			f.Close()
		}
	})
	for _, bs := range []int{64 << 10, 128 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("sequential-%dK", bs>>10), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				f, _ := os.Open(p)
				h := sha256.New()
				io.CopyBuffer(h, f, make([]byte, bs))
				f.Close()
			}
		})
		b.Run(fmt.Sprintf("ring-%dK", bs>>10), func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				f, _ := os.Open(p)
				h := sha256.New()
				if _, err := ringCopy(context.Background(), f, bs, h); err != nil {
					b.Fatal(err)
				}
				f.Close()
			}
		})
	}
}

// ringCopy is the alternative measured against Copy: a goroutine reads
// into a ring of four buffers while the caller hashes. On the 2-core
// development machine it was slower than reading and hashing on one
// goroutine (the hasher takes the data from the other core's cache).
func ringCopy(ctx context.Context, r io.Reader, bufSize int, ws ...io.Writer) (int64, error) {
	const ringBuffers = 4
	type chunk struct {
		b   []byte
		err error
	}
	free := make(chan []byte, ringBuffers)
	full := make(chan chunk, ringBuffers)
	stop := make(chan struct{})
	for range ringBuffers {
		free <- make([]byte, bufSize)
	}
	go func() {
		defer close(full)
		for {
			var b []byte
			select {
			case b = <-free:
			case <-stop:
				return
			}
			n, err := io.ReadFull(r, b)
			if err == io.ErrUnexpectedEOF || err == io.EOF {
				err = io.EOF
			}
			if n > 0 || err != nil {
				full <- chunk{b[:n], err}
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() {
		close(stop)
		for range full { // let the reader finish its read and exit
		}
	}()
	var total int64
	for c := range full {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		for _, w := range ws {
			if _, err := w.Write(c.b); err != nil {
				return total, err
			}
		}
		total += int64(len(c.b))
		if c.err == io.EOF {
			return total, nil
		}
		if c.err != nil {
			return total, c.err
		}
		free <- c.b[:cap(c.b)]
	}
	return total, nil
}
