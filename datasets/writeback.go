package datasets

import (
	"os"

	"golang.org/x/sys/unix"
)

// writebackChunk is how much written data may sit in the page cache
// before the kernel is asked to start writing it out.
const writebackChunk = 8 << 20

// writeback starts the disk writes of a download as it goes
// (sync_file_range SYNC_FILE_RANGE_WRITE, which does not wait), so that
// the fsync before the rename finds little left to do and the disk works
// while the network delivers.
type writeback struct {
	f    *os.File
	done int64 // bytes handed to writeback so far
}

func (w *writeback) wrote(have int64) {
	if have-w.done < writebackChunk {
		return
	}
	// Best effort: file systems without support just skip it.
	unix.SyncFileRange(int(w.f.Fd()), w.done, have-w.done, unix.SYNC_FILE_RANGE_WRITE)
	w.done = have
}
