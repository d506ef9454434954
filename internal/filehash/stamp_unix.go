//go:build linux || darwin || freebsd || netbsd

package filehash

import (
	"os"
	"syscall"
)

// stamp is what must not have changed for a record to hold.
func stamp(fi os.FileInfo) (Record, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || !fi.Mode().IsRegular() {
		return Record{}, false
	}
	return Record{Dev: uint64(st.Dev), Ino: st.Ino, Size: fi.Size(), Mtime: fi.ModTime().UnixNano(), Ctime: changeTime(st)}, true
}
