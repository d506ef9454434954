//go:build unix && !linux

package corpus

// hugePages does nothing outside Linux.
func hugePages([]byte) {}
