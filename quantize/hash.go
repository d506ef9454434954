package quantize

import (
	"context"
	"runtime"

	"github.com/calibkit/calibkit/internal/filehash"
	"github.com/calibkit/calibkit/internal/manifest"
)

// hashInput returns the manifest entry of an input file and how its sha256
// was obtained: "huggingface-cache-blob-name" for a blob of
// huggingface_hub's cache (…/blobs/<sha256>, the layout Git LFS files are
// stored under, named by their sha256), "calibkit-hash-cache" for a file
// whose sum calibkit's hash cache holds (one calibkit wrote or hashed
// before, unchanged since: internal/filehash), else "hashed".
func hashInput(ctx context.Context, path string) (manifest.Input, string, error) {
	sum, err := filehash.SHA256Context(ctx, path)
	if err != nil {
		return manifest.Input{}, "", err
	}
	how := "hashed"
	switch {
	case sum.FromName:
		how = "huggingface-cache-blob-name"
	case sum.Cached:
		how = "calibkit-hash-cache"
	}
	return manifest.Input{Path: path, Bytes: sum.Bytes, SHA256: sum.SHA256}, how, nil
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
