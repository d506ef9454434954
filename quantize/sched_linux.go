package quantize

import (
	"syscall"
	"unsafe"
)

// setIdlePolicy puts the calling thread under SCHED_IDLE (best effort).
func setIdlePolicy() {
	var param struct{ priority int32 }
	syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, uintptr(syscall.Gettid()), schedIdle, uintptr(unsafe.Pointer(&param)))
}
