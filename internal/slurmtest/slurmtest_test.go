package slurmtest

import "testing"

func TestNodeLine(t *testing.T) {
	tests := []struct {
		out, line, name string
		cpus, mem       int
		err             bool
	}{
		{"NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105\nUpTime=0-00:18:41\n",
			"NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=21694", "vm", 2, 21694, false},
		{"NodeName=n1 CPUs=64 RealMemory=515000", "NodeName=n1 CPUs=64 RealMemory=463500", "n1", 64, 463500, false},
		{"NodeName=n1 CPUs=64", "", "", 0, 0, true},
		{"slurmd: error: something", "", "", 0, 0, true},
	}
	for _, tt := range tests {
		line, name, cpus, mem, err := nodeLine(tt.out)
		if (err != nil) != tt.err || line != tt.line || name != tt.name || cpus != tt.cpus || mem != tt.mem {
			t.Errorf("nodeLine(%q) = %q, %q, %d, %d, %v", tt.out, line, name, cpus, mem, err)
		}
	}
}

func TestJobID(t *testing.T) {
	if id, err := JobID("Submitted batch job 42\n"); id != "42" || err != nil {
		t.Errorf("JobID: %q, %v", id, err)
	}
	if _, err := JobID("sbatch: error: Batch job submission failed"); err == nil {
		t.Error("JobID of a failed submission: no error")
	}
}
