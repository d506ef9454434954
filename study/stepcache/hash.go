// Package stepcache stores the outputs of a study's steps under action
// keys, as Go's build cache does: a key is a hash of a step's kind, every
// parameter and its inputs' contents; an entry is written to a temporary
// folder and renamed whole, so a crash never leaves a half entry that
// looks whole; a lock per key keeps processes on one machine or a shared
// file system from computing the same step twice. Deleting the cache is
// always safe.
package stepcache

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"time"

	"github.com/calibkit/calibkit/internal/filehash"
)

// Digest names a file's contents.
type Digest struct {
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// Hasher hashes files once per (path, size, mtime, inode): a study names
// the same model and corpora in many steps.
type Hasher struct {
	mu   sync.Mutex
	seen map[statKey]Digest
	// Hashed counts the bytes read to hash (not those reused).
	Hashed int64
}

type statKey struct {
	path  string
	size  int64
	mtime time.Time
	ino   uint64
}

// NewHasher returns an empty Hasher.
func NewHasher() *Hasher { return &Hasher{seen: map[statKey]Digest{}} }

var blobRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// File returns the digest of the file at path. A file in a Hugging Face
// cache (a snapshot link to blobs/<sha256>) is named by its blob without
// being read: huggingface_hub names LFS blobs by their sha256.
func (h *Hasher) File(path string) (Digest, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return Digest{}, fmt.Errorf("hash %s: %w", path, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return Digest{}, fmt.Errorf("hash %s: %w", path, err)
	}
	if fi.IsDir() {
		return Digest{}, fmt.Errorf("hash %s: is a folder, not a file", path)
	}
	if base := filepath.Base(real); blobRe.MatchString(base) && filepath.Base(filepath.Dir(real)) == "blobs" {
		return Digest{SHA256: base, Bytes: fi.Size()}, nil
	}
	k := statKey{path: real, size: fi.Size(), mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		k.ino = st.Ino
	}
	h.mu.Lock()
	d, ok := h.seen[k]
	h.mu.Unlock()
	if ok {
		return d, nil
	}
	// calibkit's hash cache first: a file a calibkit command wrote, or
	// one hashed by an earlier run, is not read again
	sum, err := filehash.SHA256(real)
	if err != nil {
		return Digest{}, fmt.Errorf("hash %s: %w", path, err)
	}
	d = Digest{SHA256: sum.SHA256, Bytes: sum.Bytes}
	h.mu.Lock()
	h.seen[k] = d
	if !sum.Cached {
		h.Hashed += d.Bytes
	}
	h.mu.Unlock()
	return d, nil
}

func hashFile(path string) (Digest, error) {
	f, err := os.Open(path)
	if err != nil {
		return Digest{}, err
	}
	defer f.Close()
	hs := sha256.New()
	buf := make([]byte, 1<<20)
	n, err := io.CopyBuffer(hs, f, buf)
	if err != nil {
		return Digest{}, err
	}
	return Digest{SHA256: hex.EncodeToString(hs.Sum(nil)), Bytes: n}, nil
}
