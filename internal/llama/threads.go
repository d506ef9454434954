package llama

import (
	"io/fs"
	"os"
	"path"
	"runtime"
	"strings"
)

// DefaultThreads returns the thread count a context uses when given 0: the
// number of physical cores, as llama.cpp's tools default to (hyper-threads
// share a core's vector units and slow ggml's matrix kernels down), but no
// more than the CPUs this process may run on. Where the core topology
// cannot be read it is every CPU.
func DefaultThreads() int {
	n := runtime.NumCPU()
	if c := physicalCores(os.DirFS("/sys/devices/system/cpu")); c > 0 && c < n {
		return c
	}
	return n
}

// physicalCores counts the distinct sets of hyper-thread siblings under a
// Linux sysfs cpu folder (cpuN/topology/thread_siblings), as llama.cpp
// counts physical cores; 0 when there are none to read.
func physicalCores(fsys fs.FS) int {
	cpus, err := fs.Glob(fsys, "cpu[0-9]*")
	if err != nil {
		return 0
	}
	sets := map[string]bool{}
	for _, cpu := range cpus {
		b, err := fs.ReadFile(fsys, path.Join(cpu, "topology", "thread_siblings"))
		if err != nil {
			continue
		}
		if s := strings.TrimSpace(string(b)); s != "" {
			sets[s] = true
		}
	}
	return len(sets)
}
