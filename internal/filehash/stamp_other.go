//go:build !linux && !darwin && !freebsd && !netbsd

package filehash

import "os"

// stamp gives no record on systems whose file status has no inode and
// change time that Go exposes: every file is hashed afresh.
func stamp(os.FileInfo) (Record, bool) { return Record{}, false }

// adviseSequential does nothing here.
func adviseSequential(*os.File) {}
