//go:build darwin || freebsd || netbsd

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
	return statRecord(fi, uint64(st.Dev), st.Ino, st.Ctimespec.Sec*1e9+st.Ctimespec.Nsec), true
}

// adviseSequential does nothing here (no posix_fadvise in Go's syscalls).
func adviseSequential(*os.File) {}
