package hfdataset

import (
	"bufio"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// benchText writes about size bytes of generated lines, Japanese and
// English words in a random order (so zstd sees text-like redundancy, not
// a repeated block), and returns the file.
func benchText(b *testing.B, size int64) string {
	b.Helper()
	words := []string{"日本語", "の", "文章", "は", "桜", "が", "咲く", "。", "東京", "大学", "研究", "によれば", "、",
		"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "calibration", "importance", "matrix", "llama", "model"}
	p := filepath.Join(b.TempDir(), "bench.txt")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	var n int64
	for n < size {
		k := 5 + r.IntN(60)
		for i := 0; i < k; i++ {
			s := words[r.IntN(len(words))]
			w.WriteString(s)
			n += int64(len(s))
			if s[0] < 0x80 {
				w.WriteByte(' ')
				n++
			}
		}
		w.WriteByte('\n')
		n++
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return p
}

// BenchmarkExport measures `export dataset` of a 128 MiB text file (one
// row per line) to zstd parquet, in MB/s of input text, and in MB per
// second of CPU time (user + system, all threads): on a machine shared
// with other work the wall-clock rate says more about the others, the
// CPU rate says what two free cores would give (at most twice it, as
// reading and writing run on two goroutines).
func BenchmarkExport(b *testing.B) {
	in := benchText(b, 128<<20)
	fi, _ := os.Stat(in)
	b.SetBytes(fi.Size())
	dir := b.TempDir()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Export(context.Background(), Options{Splits: []Split{{Name: "train", Files: []string{in}}}, Output: filepath.Join(dir, "ds")}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(fi.Size())*float64(b.N)/cpu.Seconds()/1e6, "MB/cpu-s")
	}
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
