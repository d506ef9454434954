// Package synthtest gives the tests of a package synthesized GGUF models,
// each written once per test binary into a temporary folder that Main
// removes when the tests end.
package synthtest

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/calibkit/calibkit/internal/synth"
)

var (
	mu    sync.Mutex
	dir   string
	paths = map[string]string{}
)

// Dir returns the test binary's temporary folder (made on first use,
// removed by Main), for fixtures shared by the package's tests.
func Dir(t testing.TB) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	return dirLocked(t)
}

func dirLocked(t testing.TB) string {
	t.Helper()
	if dir == "" {
		d, err := os.MkdirTemp("", "calibkit-synthtest-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	return dir
}

// Model returns the path of the model synthesized with o under name
// (Dir/NAME.gguf), writing it the first time a test asks for name; a name
// stands for one set of options.
func Model(t testing.TB, name string, o synth.Options) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if p, ok := paths[name]; ok {
		return p
	}
	p := filepath.Join(dirLocked(t), name+".gguf")
	if err := synth.WriteFile(p, o); err != nil {
		t.Fatal(err)
	}
	paths[name] = p
	return p
}

// Main runs the tests and removes the folder Dir made; call it from the
// package's TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}
