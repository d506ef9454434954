//go:build darwin || freebsd || netbsd

package filehash

import (
	"os"
	"syscall"
)

// changeTime is st's change time in nanoseconds.
func changeTime(st *syscall.Stat_t) int64 { return st.Ctimespec.Sec*1e9 + st.Ctimespec.Nsec }

// adviseSequential does nothing here (no posix_fadvise in Go's syscalls).
func adviseSequential(*os.File) {}
