package quantize

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"

	"github.com/calibkit/calibkit/internal/manifest"
)

var sha256Name = regexp.MustCompile(`^[0-9a-f]{64}$`)

// hashInput returns the manifest entry of an input file and how its sha256
// was obtained. A file that resolves to a blob of huggingface_hub's cache
// (…/blobs/<sha256>, the layout Git LFS files are stored under) is already
// named by its sha256, which is reused without reading the file again;
// otherwise the file is hashed. Hashing runs before llama.cpp starts, so it
// never competes with the quantizing threads, and it leaves the model in
// the page cache that llama.cpp's mmap then reads from.
func hashInput(ctx context.Context, path string) (manifest.Input, string, error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		base, dir := filepath.Base(real), filepath.Base(filepath.Dir(real))
		if dir == "blobs" && sha256Name.MatchString(base) {
			if st, err := os.Stat(real); err == nil {
				return manifest.Input{Path: path, Bytes: st.Size(), SHA256: base}, "huggingface-cache-blob-name", nil
			}
		}
	}
	in, err := hashFile(ctx, path)
	return in, "hashed", err
}

// hashFile is manifest.HashFile that stops when ctx is done.
func hashFile(ctx context.Context, path string) (manifest.Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return manifest.Input{}, fmt.Errorf("hash input %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 1<<20)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return manifest.Input{}, fmt.Errorf("hash input %s: %w", path, err)
		}
		k, err := f.Read(buf)
		h.Write(buf[:k])
		n += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			return manifest.Input{}, fmt.Errorf("hash input %s: %w", path, err)
		}
	}
	return manifest.Input{Path: path, Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// schedIdle is Linux's SCHED_IDLE scheduling policy: the thread runs only
// when a CPU would otherwise be idle.
const schedIdle = 5

// hashInBackground hashes the files on a thread of its own at SCHED_IDLE
// priority, so that it runs in the gaps the quantizing threads leave (the
// per-tensor serial parts of llama_model_quantize) and never takes a CPU
// from them; what is left when quantizing ends runs at full speed then.
// The returned function waits for the results, in the order of paths.
func hashInBackground(ctx context.Context, paths []string) func() ([]manifest.Input, []string, error) {
	type result struct {
		ins  []manifest.Input
		hows []string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		// The thread keeps its idle policy only while locked: Go ends a
		// thread whose goroutine exits locked, so no other goroutine
		// inherits it.
		runtime.LockOSThread()
		setIdlePolicy()
		var r result
		for _, p := range paths {
			in, how, err := hashInput(ctx, p)
			if err != nil {
				r.err = err
				break
			}
			r.ins, r.hows = append(r.ins, in), append(r.hows, how)
		}
		ch <- r
	}()
	return func() ([]manifest.Input, []string, error) {
		r := <-ch
		return r.ins, r.hows, r.err
	}
}
