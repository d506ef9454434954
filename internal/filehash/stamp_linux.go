package filehash

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// changeTime is st's change time in nanoseconds.
func changeTime(st *syscall.Stat_t) int64 { return st.Ctim.Sec*1e9 + st.Ctim.Nsec }

// adviseSequential tells the kernel that f is read once, front to back.
func adviseSequential(f *os.File) {
	unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_SEQUENTIAL)
}
