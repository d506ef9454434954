//go:build !linux

package quantize

// setIdlePolicy does nothing where SCHED_IDLE does not exist; hashing then
// competes with quantizing at normal priority.
func setIdlePolicy() {}
