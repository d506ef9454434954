// Package synthtest gives the tests and benchmarks of a package
// synthesized GGUF models, each written once per test binary into a
// temporary folder that Main removes when the tests end, and the
// benchmarks' shared settings ($CALIBKIT_BENCH_MODEL,
// $CALIBKIT_BENCH_THREADS) and CPU clock.
package synthtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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

// Text returns paragraphs lines of mixed Japanese and English prose, about
// 60 tokens each with the default synthesized vocabulary, varied so that
// chunks differ.
func Text(paragraphs int) string {
	var b strings.Builder
	for i := range paragraphs {
		fmt.Fprintf(&b, "第%d段落：朝の駅はいつも混雑している。電車が到着すると、人々は静かに列を作って乗り込む。", i+1)
		fmt.Fprintf(&b, "Paragraph %d: the morning train carries %d people past rice fields and mountains; ", i+1, 37*i%101)
		b.WriteString("季節ごとに色が変わり、春には桜が咲く。The quick brown fox jumps over the lazy dog.\n")
	}
	return b.String()
}

// BenchModel is the model a benchmark runs on: the file
// $CALIBKIT_BENCH_MODEL names, else Model(b, name, o).
func BenchModel(b *testing.B, name string, o synth.Options) string {
	b.Helper()
	if p := os.Getenv("CALIBKIT_BENCH_MODEL"); p != "" {
		return p
	}
	return Model(b, name, o)
}

// BenchThreads is the thread count a benchmark runs with: the positive
// number $CALIBKIT_BENCH_THREADS gives, else def.
func BenchThreads(b *testing.B, def int) int {
	b.Helper()
	s := os.Getenv("CALIBKIT_BENCH_THREADS")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		b.Fatalf("CALIBKIT_BENCH_THREADS=%q: want a positive number", s)
	}
	return n
}

// CPUTime returns the process's user and system CPU time so far (0 where
// it cannot be read).
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
