package filehash

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// CacheEnv names the environment variable that sets the hash cache's
// folder; "off" disables the cache.
const CacheEnv = "CALIBKIT_HASH_CACHE"

// DefaultMinBytes is the smallest file the default cache keeps a record
// for: hashing a smaller file costs less than a millisecond.
const DefaultMinBytes = 1 << 20

// Cache keeps the sha256 (and, for small files, the git blob id) of files,
// one JSON record per file keyed by its absolute path, valid only while
// the file's device, inode, size, modification time and change time are
// those recorded. Writing a file, even one put back to its old size and
// modification time, gives it a new change time; so does a rename, which
// is why writers record a sum after their final rename. A record that
// does not match the file, or cannot be read, is ignored; deleting the
// folder is always safe. The zero Cache (Dir "") keeps nothing.
type Cache struct {
	// Dir holds the records; "" disables the cache.
	Dir string
	// MinBytes: smaller files are not recorded (they are hashed anew).
	MinBytes int64
}

// Record is what the cache holds for one file.
type Record struct {
	Path   string `json:"path"`
	Dev    uint64 `json:"dev"`
	Ino    uint64 `json:"ino"`
	Size   int64  `json:"size"`
	Mtime  int64  `json:"mtime_ns"`
	Ctime  int64  `json:"ctime_ns"`
	SHA256 string `json:"sha256"`
	// GitOID is the file's git blob id, when the writer of the record
	// computed it (uploads do, for files under 10 MiB).
	GitOID string `json:"git_oid,omitempty"`
}

var (
	sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)
	gitOIDRe = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

// DefaultCache is the cache every calibkit command shares: the folder
// $CALIBKIT_HASH_CACHE names ("off": none), else
// $XDG_CACHE_HOME/calibkit/file-hashes (~/.cache/calibkit/file-hashes),
// for files of DefaultMinBytes or more. In a test binary the default is
// none: tests never leave records in the user's cache, and a test that
// uses the cache names its folder in $CALIBKIT_HASH_CACHE.
func DefaultCache() Cache {
	dir := os.Getenv(CacheEnv)
	switch {
	case dir == "off", dir == "" && testing.Testing():
		return Cache{}
	case dir == "":
		base, err := os.UserCacheDir()
		if err != nil {
			return Cache{}
		}
		dir = filepath.Join(base, "calibkit", "file-hashes")
	}
	return Cache{Dir: dir, MinBytes: DefaultMinBytes}
}

// file is the record file of the absolute path abs.
func (c Cache) file(abs string) string {
	k := sha256.Sum256([]byte(abs))
	return filepath.Join(c.Dir, hex.EncodeToString(k[:16])+".json")
}

// Lookup returns the record of the file at path when the file is as it
// was when its record was written (fi is its os.Stat; nil: stat it now).
func (c Cache) Lookup(path string, fi os.FileInfo) (Record, bool) {
	if c.Dir == "" {
		return Record{}, false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return Record{}, false
	}
	if fi == nil {
		if fi, err = os.Stat(abs); err != nil {
			return Record{}, false
		}
	}
	want, ok := stamp(fi)
	if !ok || want.Size < c.MinBytes {
		return Record{}, false
	}
	b, err := os.ReadFile(c.file(abs))
	if err != nil {
		return Record{}, false
	}
	var r Record
	if json.Unmarshal(b, &r) != nil || r.Path != abs || r.Dev != want.Dev || r.Ino != want.Ino || r.Size != want.Size ||
		r.Mtime != want.Mtime || r.Ctime != want.Ctime || !sha256Re.MatchString(r.SHA256) ||
		(r.GitOID != "" && !gitOIDRe.MatchString(r.GitOID)) {
		return Record{}, false
	}
	return r, true
}

// Store records the hashes of the file at path, whose os.Stat taken
// before it was hashed is fi; the file is stat'ed again and nothing is
// recorded when it changed meanwhile. Failures are ignored (it is a
// cache).
func (c Cache) Store(path string, fi os.FileInfo, sha, gitOID string) {
	if c.Dir == "" || !sha256Re.MatchString(sha) || (gitOID != "" && !gitOIDRe.MatchString(gitOID)) {
		return
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return
	}
	now, err := os.Stat(abs)
	if err != nil {
		return
	}
	r, ok := stamp(now)
	if !ok || r.Size < c.MinBytes {
		return
	}
	if fi != nil {
		if before, ok := stamp(fi); !ok || before != r {
			return // changed while it was hashed
		}
	}
	r.Path, r.SHA256, r.GitOID = abs, sha, gitOID
	b, err := json.Marshal(r)
	if err != nil || os.MkdirAll(c.Dir, 0o755) != nil {
		return
	}
	// temporary file and rename: a reader never sees half a record (one
	// cut by a crash is not valid JSON or does not match, and is ignored)
	f, err := os.CreateTemp(c.Dir, ".record-*")
	if err != nil {
		return
	}
	_, werr := f.Write(b)
	if cerr := f.Close(); werr != nil || cerr != nil || os.Rename(f.Name(), c.file(abs)) != nil {
		os.Remove(f.Name())
	}
}

// Forget removes the record of the file at path, if any.
func (c Cache) Forget(path string) {
	if c.Dir == "" {
		return
	}
	if abs, err := filepath.Abs(path); err == nil {
		os.Remove(c.file(abs))
	}
}

// Remember records, in the default cache, the sha256 (lowercase hex) that
// a writer computed of the file at path while writing it. Call it after
// the file's final rename (a rename changes the change time), once
// nothing writes to the file any more.
func Remember(path, sha string) { DefaultCache().Store(path, nil, sha, "") }
