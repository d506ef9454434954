package filehash

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// stamp is what must not have changed for a record to hold.
func stamp(fi os.FileInfo) (Record, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || !fi.Mode().IsRegular() {
		return Record{}, false
	}
	return statRecord(fi, uint64(st.Dev), st.Ino, st.Ctim.Sec*1e9+st.Ctim.Nsec), true
}

// adviseSequential tells the kernel that f is read once, front to back.
func adviseSequential(f *os.File) {
	unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_SEQUENTIAL)
}
