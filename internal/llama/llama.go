// Package llama is calibkit's binding to llama.cpp, the only package that
// imports "C". It loads GGUF models (or only their vocabulary), tokenizes,
// decodes batches, reads logits and hands each matrix multiplication's
// input to an evaluation hook. Handles are closed with an idempotent Close;
// results are copied into Go memory; llama.cpp failures come back as Go
// errors that carry llama.cpp's own error messages.
package llama

/*
#include <stdlib.h>
#include "binding.h"
*/
import "C"

import (
	"strings"
	"sync"
	"unsafe"
)

// Commit is the llama.cpp commit the pinned github.com/ollama/ollama module
// vendors (its llama/build-info.cpp; checked by a test).
const Commit = "ec98e2002"

var initOnce sync.Once

// initBackend initializes llama.cpp once per process and routes its log
// through calibkit's sink, which drops messages unless SetVerbose(true).
func initBackend() {
	initOnce.Do(func() {
		C.ck_init_logging()
		C.llama_backend_init()
		C.ck_init_logging() // backend init may install its own sink
	})
}

// SetVerbose lets llama.cpp's and ggml's own log through to stderr (on) or
// drops it (off, the default). Error messages are kept either way and
// reported in the errors this package returns.
func SetVerbose(on bool) {
	initBackend()
	v := C.int(0)
	if on {
		v = 1
	}
	C.ck_set_verbose(v)
}

// SystemInfo returns llama.cpp's description of the CPU features compiled
// in and the backends available, as llama_print_system_info prints it.
func SystemInfo() string {
	initBackend()
	return strings.TrimSpace(C.GoString(C.llama_print_system_info()))
}

// takeErrors returns the error messages llama.cpp logged since the last
// call, joined on one line, or "".
func takeErrors() string {
	buf := (*C.char)(C.malloc(2048))
	defer C.free(unsafe.Pointer(buf))
	n := C.ck_take_errors(buf, 2048)
	s := C.GoStringN(buf, C.int(n))
	var parts []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, "; ")
}

// withLog appends llama.cpp's logged errors to msg, if there are any.
func withLog(msg string) string {
	if e := takeErrors(); e != "" {
		return msg + " (llama.cpp: " + e + ")"
	}
	return msg + " (run with --verbose to see llama.cpp's log)"
}
