package train

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/manifest"
)

// cacheVersion changes whenever training would give other weights for the
// same inputs and options.
const cacheVersion = "train-v1"

// Key hashes what decides a trained model's weights: the inputs' contents,
// every option but the output, thread count, progress and command line,
// and the linked llama.cpp.
func Key(o Options) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", cacheVersion, llama.Commit)
	for _, in := range o.Inputs {
		hi, err := manifest.HashFile(in)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "input %s\n", hi.SHA256)
	}
	k := o
	k.Inputs, k.Output, k.Threads, k.Progress, k.Command, k.Checkpoint, k.CheckpointEvery = nil, "", 0, nil, nil, "", 0
	b, err := json.Marshal(k)
	if err != nil {
		return "", err
	}
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// Cached returns the model o would train, from dir when a run with the
// same Key finished there before, else by training it into dir (one
// process at a time: a second waits for the first and reuses its model).
// o.Output is ignored; the model's path is returned with its manifest and
// whether it came from the cache.
func Cached(ctx context.Context, dir string, o Options) (string, *manifest.Manifest, bool, error) {
	key, err := Key(o)
	if err != nil {
		return "", nil, false, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, false, fmt.Errorf("model cache: %w", err)
	}
	path := filepath.Join(dir, key+".gguf")
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", nil, false, fmt.Errorf("model cache: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", nil, false, fmt.Errorf("model cache: lock %s: %w", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if m, err := manifest.Read(manifest.Path(path)); err == nil {
		if _, err := os.Stat(path); err == nil {
			return path, m, true, nil
		}
	}
	o.Output = path
	if _, err := Run(ctx, o); err != nil {
		return "", nil, false, err
	}
	m, err := manifest.Read(manifest.Path(path))
	if err != nil {
		return "", nil, false, err
	}
	return path, m, false, nil
}
