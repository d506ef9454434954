package filehash

import (
	"context"
	"io"
	"os"
)

// copyBufSize is the read size: small enough that what read copies stays
// in the core's L2 cache for the hash that follows (BenchmarkHashFile).
const copyBufSize = 128 << 10

// Copy reads r to its end and writes everything to each of ws (hashes,
// typically), stopping with ctx's error when ctx is done; it returns the
// bytes read. A file is read with the kernel told that it is read once,
// front to back (POSIX_FADV_SEQUENTIAL: a larger read-ahead), so the disk
// reads ahead while the hash works. Reading on one goroutine while
// hashing on another was measured slower on the 2-core development
// machine (BenchmarkHashFile: ring-* against sequential-*): the hash is
// the bound, and taking its input from the other core's cache slows it.
func Copy(ctx context.Context, r io.Reader, ws ...io.Writer) (int64, error) {
	if f, ok := r.(*os.File); ok {
		adviseSequential(f)
	}
	buf := make([]byte, copyBufSize)
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n, err := r.Read(buf)
		for _, w := range ws {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return total, werr
			}
		}
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
