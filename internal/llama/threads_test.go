package llama

import (
	"runtime"
	"testing"
	"testing/fstest"
)

func TestPhysicalCores(t *testing.T) {
	sib := func(masks ...string) fstest.MapFS {
		fsys := fstest.MapFS{}
		for i, m := range masks {
			fsys["cpu"+string(rune('0'+i))+"/topology/thread_siblings"] = &fstest.MapFile{Data: []byte(m + "\n")}
		}
		return fsys
	}
	tests := []struct {
		name string
		fsys fstest.MapFS
		want int
	}{
		{"two hyper-threads per core", sib("00000011", "00000011", "00000044", "00000044"), 2},
		{"no hyper-threading", sib("1", "2", "4", "8"), 4},
		{"one core", sib("1"), 1},
		{"no topology", fstest.MapFS{"cpufreq/policy0": &fstest.MapFile{}, "cpu0/online": &fstest.MapFile{Data: []byte("1")}}, 0},
		{"empty", fstest.MapFS{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := physicalCores(tt.fsys); got != tt.want {
				t.Errorf("physicalCores = %d, want %d", got, tt.want)
			}
		})
	}
	if n := DefaultThreads(); n < 1 || n > runtime.NumCPU() {
		t.Errorf("DefaultThreads() = %d, want 1..%d", n, runtime.NumCPU())
	}
}
