//go:build linux

package corpus

import "syscall"

// hugePages asks Linux to back a large slot table with 2 MB pages (where
// transparent huge pages are set to "madvise", as by default on many
// distributions): each probe of the table lands on a random page, and with
// 4 KB pages nearly every one missed the TLB. Best effort.
func hugePages(b []byte) {
	if len(b) >= 4<<20 {
		_ = syscall.Madvise(b, syscall.MADV_HUGEPAGE)
	}
}
