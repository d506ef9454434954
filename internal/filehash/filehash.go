// Package filehash gives the sha256 of an input file for manifests without
// rereading what is already named by its hash: a model in the Hugging Face
// cache (hub/models--ORG--NAME/blobs/<sha256>, reached through a
// snapshots/<rev>/FILE symlink) is stored under its content's sha256, so a
// 350 MB or 30 GB model costs no read at all; other files are hashed once,
// once (reading on one goroutine and hashing on another, Copy) and their
// sum is kept in a stat-keyed cache (Cache, DefaultCache) that the files
// calibkit writes are recorded in as they are written (Remember), so that
// a manifest, a study step key or an upload of such a file does not read
// it again. Commands hash after their compute finishes (never on a
// goroutine beside the model's threads), as imatrix, perplexity and
// quantize do.
package filehash

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Sum is a file's size and sha256.
type Sum struct {
	Bytes  int64
	SHA256 string // lowercase hex
	// FromName is true when the sum was taken from the Hugging Face cache
	// blob's name instead of reading the file.
	FromName bool
	// Cached is true when the sum was taken from the hash cache.
	Cached bool
}

// SHA256 returns the size and sha256 of the file at path (following
// symlinks): from a Hugging Face cache blob's name, else from the default
// cache's record, else by reading it (and recording the sum).
func SHA256(path string) (Sum, error) { return SHA256Context(context.Background(), path) }

// SHA256Context is SHA256 that stops reading when ctx is done.
func SHA256Context(ctx context.Context, path string) (Sum, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return Sum{}, fmt.Errorf("hash input %s: %w", path, err)
	}
	st, err := os.Stat(real)
	if err != nil {
		return Sum{}, fmt.Errorf("hash input %s: %w", path, err)
	}
	if h, ok := HFBlobSHA256(real); ok {
		return Sum{Bytes: st.Size(), SHA256: h, FromName: true}, nil
	}
	cache := DefaultCache()
	if r, ok := cache.Lookup(real, st); ok {
		return Sum{Bytes: r.Size, SHA256: r.SHA256, Cached: true}, nil
	}
	sum, err := hashFile(ctx, real, st)
	if err != nil {
		return Sum{}, fmt.Errorf("hash input %s: %w", path, err)
	}
	cache.Store(real, st, sum.SHA256, "")
	return sum, nil
}

// HashFile reads the file at path and returns its size and sha256,
// neither looking in the hash cache nor recording in it (for a file still
// under a temporary name: record its sum with Remember once it has its
// final name).
func HashFile(ctx context.Context, path string) (Sum, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Sum{}, fmt.Errorf("hash %s: %w", path, err)
	}
	sum, err := hashFile(ctx, path, st)
	if err != nil {
		return Sum{}, fmt.Errorf("hash %s: %w", path, err)
	}
	return sum, nil
}

// hashFile reads the file at path (whose stat is st) and checks that it
// kept its size.
func hashFile(ctx context.Context, path string, st os.FileInfo) (Sum, error) {
	f, err := os.Open(path)
	if err != nil {
		return Sum{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := Copy(ctx, f, h)
	if err != nil {
		return Sum{}, err
	}
	if n != st.Size() {
		return Sum{}, fmt.Errorf("changed size while it was read (%d bytes, then %d)", st.Size(), n)
	}
	return Sum{Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// HFBlobSHA256 returns the sha256 that a Hugging Face cache blob path
// (…/models--ORG--NAME/blobs/<64 hex>, also datasets-- and spaces--) carries
// in its name. The hub names LFS blobs by their sha256 (small files kept in
// git are named by a 40-digit git hash, which this does not take).
func HFBlobSHA256(path string) (string, bool) {
	name := filepath.Base(path)
	dir := filepath.Dir(path)
	repo := filepath.Base(filepath.Dir(dir))
	if filepath.Base(dir) != "blobs" || len(name) != 64 ||
		!(strings.HasPrefix(repo, "models--") || strings.HasPrefix(repo, "datasets--") || strings.HasPrefix(repo, "spaces--")) {
		return "", false
	}
	for _, c := range name {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", false
		}
	}
	return name, true
}
