package study

import (
	"strings"
	"testing"
)

func TestAllocatedThreads(t *testing.T) {
	tests := []struct {
		name             string
		env              map[string]string
		maxprocs, numCPU int
		want             int
		from             string
	}{
		{"whole machine", nil, 8, 8, 0, ""},
		{"slurm task", map[string]string{"SLURM_CPUS_PER_TASK": "4", "SLURM_CPUS_ON_NODE": "8"}, 16, 16, 4, "SLURM_CPUS_PER_TASK"},
		{"slurm without -c", map[string]string{"SLURM_CPUS_ON_NODE": "2"}, 16, 16, 2, "SLURM_CPUS_ON_NODE"},
		{"slurm bound", map[string]string{"SLURM_CPUS_PER_TASK": "4"}, 4, 4, 4, "SLURM_CPUS_PER_TASK"},
		{"bad slurm value", map[string]string{"SLURM_CPUS_PER_TASK": "x", "SLURM_CPUS_ON_NODE": "0"}, 16, 16, 0, ""},
		{"container limit", nil, 3, 64, 3, "GOMAXPROCS"},
	}
	for _, tt := range tests {
		a := allocatedThreads(func(k string) string { return tt.env[k] }, tt.maxprocs, tt.numCPU)
		if a.threads != tt.want || (tt.from == "") != (a.from == "") || tt.from != "" && !strings.Contains(a.from, tt.from) {
			t.Errorf("%s: %+v, want %d from %q", tt.name, a, tt.want, tt.from)
		}
	}
	if a := threadsFor(6, func(string) string { return "4" }); a.threads != 6 || a.from != "settings.threads" {
		t.Errorf("the spec's threads: %+v", a)
	}
}
