//go:build unix

package corpus

import (
	"syscall"
	"unsafe"
)

// allocSlots returns a zeroed table of n hash slots mapped outside the Go
// heap: the de-duplication table is the largest object of a build (about
// 128 MB per ten million sentences) and, off the heap, it does not double
// the garbage collector's heap target.
func allocSlots(n int) []uint64 {
	b, err := syscall.Mmap(-1, 0, n*8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]uint64, n)
	}
	hugePages(b)
	return unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// freeSlots releases a table from allocSlots.
func freeSlots(s []uint64) {
	if len(s) == 0 {
		return
	}
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*8)
	// A table that fell back to make is not a mapping: Munmap fails on
	// it with EINVAL and the garbage collector frees it instead.
	_ = syscall.Munmap(b)
}
