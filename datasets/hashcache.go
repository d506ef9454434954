package datasets

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"

	"github.com/calibkit/calibkit/internal/atomicfile"
)

// hashCache keeps the sha256 (and git blob id) of files an upload hashed,
// keyed by the file's absolute path and checked against its device,
// inode, size, modification and change times, so that uploading the same
// unchanged file again (a resumed upload, a re-run after a README edit)
// does not read it twice. huggingface_hub's upload_large_folder keeps
// such records too. A record that does not match, or cannot be read, is
// ignored; deleting the folder is always safe.
type hashCache struct {
	dir string // "" disables the cache
}

type hashRecord struct {
	Path   string `json:"path"`
	Dev    uint64 `json:"dev"`
	Ino    uint64 `json:"ino"`
	Size   int64  `json:"size"`
	Mtime  int64  `json:"mtime_ns"`
	Ctime  int64  `json:"ctime_ns"`
	SHA256 string `json:"sha256"`
	GitOID string `json:"git_oid,omitempty"`
}

// stamp is what must not have changed for a record to hold.
func stamp(fi os.FileInfo) (hashRecord, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return hashRecord{}, false
	}
	return hashRecord{Dev: uint64(st.Dev), Ino: st.Ino, Size: fi.Size(), Mtime: fi.ModTime().UnixNano(),
		Ctime: st.Ctim.Sec*1e9 + st.Ctim.Nsec}, true
}

func (c hashCache) file(abs string) string {
	k := sha256.Sum256([]byte(abs))
	return filepath.Join(c.dir, hex.EncodeToString(k[:16])+".json")
}

// lookup returns the record for the file at abs, whose stat is fi.
func (c hashCache) lookup(abs string, fi os.FileInfo) (hashRecord, bool) {
	if c.dir == "" {
		return hashRecord{}, false
	}
	want, ok := stamp(fi)
	if !ok {
		return hashRecord{}, false
	}
	b, err := os.ReadFile(c.file(abs))
	if err != nil {
		return hashRecord{}, false
	}
	var r hashRecord
	if json.Unmarshal(b, &r) != nil || r.Path != abs || r.Dev != want.Dev || r.Ino != want.Ino || r.Size != want.Size ||
		r.Mtime != want.Mtime || r.Ctime != want.Ctime || !sha256Re.MatchString(r.SHA256) {
		return hashRecord{}, false
	}
	return r, true
}

// store records a file's hashes; failures are ignored (it is a cache).
func (c hashCache) store(abs string, fi os.FileInfo, sha, gitOID string) {
	if c.dir == "" {
		return
	}
	r, ok := stamp(fi)
	if !ok {
		return
	}
	r.Path, r.SHA256, r.GitOID = abs, sha, gitOID
	b, err := json.Marshal(r)
	if err != nil || os.MkdirAll(c.dir, 0o755) != nil {
		return
	}
	atomicfile.WriteFile(c.file(abs), bytes.NewReader(b))
}
