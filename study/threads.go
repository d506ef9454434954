package study

import (
	"runtime"
	"strconv"
)

// allocation is the CPUs a scheduler gave this process, for the model
// steps of a spec that leaves settings.threads at 0.
type allocation struct {
	threads int    // 0: none found; the engines' own default (the physical cores)
	from    string // where threads came from, for the run's first line
}

// allocatedThreads finds the CPUs this process was given:
//   - SLURM_CPUS_PER_TASK, or SLURM_CPUS_ON_NODE without it, in a Slurm
//     task: without CPU binding (TaskPlugin=task/none) the task sees every
//     CPU of the node, so the count is all that says how many are its own;
//   - otherwise the Go runtime's GOMAXPROCS when it is below the CPUs of the
//     machine: the runtime sets it from the process's affinity mask and
//     its cgroup's CPU limit (a Kubernetes container's limits.cpu, rounded
//     up, at least 2), or from $GOMAXPROCS.
//
// None found (a whole machine) leaves 0: the engines' default, the physical
// cores. getenv, maxprocs and numCPU are os.Getenv, runtime.GOMAXPROCS(0)
// and runtime.NumCPU() outside tests.
func allocatedThreads(getenv func(string) string, maxprocs, numCPU int) allocation {
	for _, v := range []string{"SLURM_CPUS_PER_TASK", "SLURM_CPUS_ON_NODE"} {
		if n, err := strconv.Atoi(getenv(v)); err == nil && n > 0 {
			return allocation{n, v}
		}
	}
	if maxprocs > 0 && maxprocs < numCPU {
		return allocation{maxprocs, "the CPUs this process may use: its affinity and cgroup CPU limit, as GOMAXPROCS"}
	}
	return allocation{}
}

// threadsFor is the thread count of the model steps: the spec's when it
// sets one, else the allocation's (0 when there is none: the engines'
// default).
func threadsFor(specThreads int, getenv func(string) string) allocation {
	if specThreads > 0 {
		return allocation{specThreads, "settings.threads"}
	}
	return allocatedThreads(getenv, runtime.GOMAXPROCS(0), runtime.NumCPU())
}
