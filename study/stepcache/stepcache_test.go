package stepcache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestKeyIsCanonical(t *testing.T) {
	a := NewKey("imatrix").Param("ctx", 512).Param("chunks", -1).Input("model", Digest{SHA256: "aa", Bytes: 1}).Input("text", Digest{SHA256: "bb", Bytes: 2})
	b := NewKey("imatrix").Input("text", Digest{SHA256: "bb", Bytes: 2}).Param("chunks", -1).Input("model", Digest{SHA256: "aa", Bytes: 1}).Param("ctx", 512)
	if a.Sum() != b.Sum() || len(a.Sum()) != 64 {
		t.Errorf("order changes the key: %s %s", a.Sum(), b.Sum())
	}
	for _, c := range []*Key{
		NewKey("imatrix").Param("ctx", 256).Param("chunks", -1).Input("model", Digest{SHA256: "aa", Bytes: 1}).Input("text", Digest{SHA256: "bb", Bytes: 2}),
		NewKey("imatrix").Param("ctx", 512).Param("chunks", -1).Input("model", Digest{SHA256: "aa", Bytes: 1}).Input("text", Digest{SHA256: "bc", Bytes: 2}),
		NewKey("quantize").Param("ctx", 512).Param("chunks", -1).Input("model", Digest{SHA256: "aa", Bytes: 1}).Input("text", Digest{SHA256: "bb", Bytes: 2}),
	} {
		if c.Sum() == a.Sum() {
			t.Errorf("%+v has the same key", c)
		}
	}
	// The key of a known input is fixed: the same on every host and run.
	// sha256 of {"kind":"x","params":{"n":1},"inputs":{}}
	if got := NewKey("x").Param("n", 1).Sum(); got != "12ce3b76b422b62ba5581afefa99a0fb11dabd01acd4583a76fdcfa33fca3fb4" {
		t.Errorf("key %s", got)
	}
}

func TestHasherReusesAndSeesChanges(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	os.WriteFile(p, []byte("abc"), 0o644)
	h := NewHasher()
	d, err := h.File(p)
	if err != nil || d.SHA256 != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" || d.Bytes != 3 {
		t.Fatalf("%+v %v", d, err)
	}
	h.File(p)
	if h.Hashed != 3 {
		t.Errorf("hashed %d bytes, want 3 (the second call reuses)", h.Hashed)
	}
	os.WriteFile(p, []byte("abcd"), 0o644)
	if d2, _ := h.File(p); d2.SHA256 == d.SHA256 {
		t.Error("a changed file keeps its digest")
	}
	// A Hugging Face cache blob is named by its sha256: not read.
	blob := filepath.Join(dir, "blobs", strings.Repeat("e", 64))
	os.MkdirAll(filepath.Dir(blob), 0o755)
	os.WriteFile(blob, []byte("model"), 0o644)
	snap := filepath.Join(dir, "snapshots", "c", "m.gguf")
	os.MkdirAll(filepath.Dir(snap), 0o755)
	os.Symlink("../../blobs/"+strings.Repeat("e", 64), snap)
	before := h.Hashed
	if d, err := h.File(snap); err != nil || d.SHA256 != strings.Repeat("e", 64) || d.Bytes != 5 || h.Hashed != before {
		t.Errorf("blob %+v %v, hashed %d", d, err, h.Hashed-before)
	}
	if _, err := h.File(filepath.Join(dir, "none")); err == nil || !strings.Contains(err.Error(), "none") {
		t.Errorf("missing file: %v", err)
	}
}

func TestDoComputesOnceAndLeavesNothingOnFailure(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	k := NewKey("mix").Param("seed", 1)
	runs := 0
	compute := func(_ context.Context, dir string) (any, error) {
		runs++
		return map[string]int{"bytes": 3}, os.WriteFile(filepath.Join(dir, "mix.txt"), []byte("abc"), 0o644)
	}
	m, out, err := s.Do(context.Background(), k, "e", compute, nil)
	if err != nil || out != Computed || string(m.Result) != `{"bytes":3}` {
		t.Fatalf("%+v %v %v", m, out, err)
	}
	if b, _ := os.ReadFile(filepath.Join(m.Dir, "mix.txt")); string(b) != "abc" {
		t.Error("entry file")
	}
	if _, out, _ := s.Do(context.Background(), k, "e", compute, nil); out != Cached || runs != 1 {
		t.Errorf("second Do: %v, %d runs", out, runs)
	}
	bad := NewKey("mix").Param("seed", 2)
	_, _, err = s.Do(context.Background(), bad, "e", func(_ context.Context, dir string) (any, error) {
		os.WriteFile(filepath.Join(dir, "mix.txt"), []byte("half"), 0o644)
		return nil, errors.New("boom")
	}, nil)
	if err == nil || err.Error() != "boom" {
		t.Fatalf("error %v", err)
	}
	if _, ok := s.Get("mix", bad.Sum()); ok {
		t.Error("a failed step left an entry")
	}
	if e, _ := os.ReadDir(filepath.Join(s.Dir, ".tmp")); len(e) != 0 {
		t.Errorf("left %v in .tmp", e)
	}
	// A folder without step.json (a run killed between Begin's rename and
	// its finish, or a copy) is not an entry and is replaced, files and
	// all.
	for i, leftover := range []string{"", "mix.txt"} {
		broken := NewKey("mix").Param("seed", 3+i)
		os.MkdirAll(s.EntryDir("mix", broken.Sum()), 0o755)
		if leftover != "" {
			os.WriteFile(filepath.Join(s.EntryDir("mix", broken.Sum()), leftover), []byte("ab"), 0o644)
		}
		if m, out, err := s.Do(context.Background(), broken, "e", compute, nil); err != nil || out != Computed {
			t.Errorf("broken entry: %v %v", out, err)
		} else if b, _ := os.ReadFile(filepath.Join(m.Dir, "mix.txt")); string(b) != "abc" {
			t.Errorf("broken entry's file not replaced: %q", b)
		}
	}
}

// Begin leaves the entry to finish: its files are under the final folder
// at once, but until finish no Get sees an entry and the key's lock is
// held, so another process waits instead of computing or reading it.
func TestBeginDefersEntryToFinish(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	k := NewKey("quantize").Param("type", "Q4_K_M")
	m, out, finish, err := s.Begin(context.Background(), k, "e", func(_ context.Context, dir string) (any, error) {
		return "ok", os.WriteFile(filepath.Join(dir, "model.gguf"), []byte("gguf"), 0o644)
	}, nil)
	if err != nil || out != Computed || finish == nil || m.Dir != s.EntryDir("quantize", k.Sum()) {
		t.Fatalf("%+v %v %v", m, out, err)
	}
	if b, err := os.ReadFile(filepath.Join(m.Dir, "model.gguf")); err != nil || string(b) != "gguf" {
		t.Errorf("file before finish: %q %v", b, err)
	}
	if _, ok := s.Get("quantize", k.Sum()); ok {
		t.Error("an entry before finish")
	}
	if _, ok, err := TryLock(s.lockPath("quantize", k.Sum())); err != nil || ok {
		t.Errorf("lock free before finish (%v)", err)
	}
	if err := finish(); err != nil {
		t.Fatal(err)
	}
	if g, ok := s.Get("quantize", k.Sum()); !ok || string(g.Result) != `"ok"` {
		t.Errorf("entry after finish: %+v", g)
	}
	unlock, ok, err := TryLock(s.lockPath("quantize", k.Sum()))
	if err != nil || !ok {
		t.Fatalf("lock held after finish (%v)", err)
	}
	unlock()
	if _, out, finish, err := s.Begin(context.Background(), k, "e", nil, nil); err != nil || out != Cached || finish != nil {
		t.Errorf("again: %v %v", out, err)
	}
}

func TestLockWaitsAndHonoursContext(t *testing.T) {
	p := filepath.Join(t.TempDir(), "l.lock")
	unlock, err := Lock(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	waited := false
	if _, err := Lock(ctx, p, func() { waited = true }); !errors.Is(err, context.DeadlineExceeded) || !waited {
		t.Errorf("error %v, waited %v", err, waited)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	got := make(chan error, 1)
	go func() {
		defer wg.Done()
		u, err := Lock(context.Background(), p, nil)
		if err == nil {
			u()
		}
		got <- err
	}()
	time.Sleep(150 * time.Millisecond)
	unlock()
	wg.Wait()
	if err := <-got; err != nil {
		t.Error(err)
	}
}

// TestProcessesComputeOnce starts several processes (this test binary
// again) that ask for the same key at once: exactly one computes, the
// others wait and take its entry.
func TestProcessesComputeOnce(t *testing.T) {
	if dir := os.Getenv("STEPCACHE_CHILD_DIR"); dir != "" {
		child(dir)
		return
	}
	dir := t.TempDir()
	const n = 4
	var cmds []*exec.Cmd
	for i := range n {
		c := exec.Command(os.Args[0], "-test.run=^TestProcessesComputeOnce$")
		c.Env = append(os.Environ(), "STEPCACHE_CHILD_DIR="+dir, fmt.Sprintf("STEPCACHE_CHILD_ID=%d", i))
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("child: %v", err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "computed"))
	if lines := strings.Count(string(b), "\n"); lines != 1 {
		t.Errorf("computed %d times: %q", lines, b)
	}
	outcomes, _ := os.ReadFile(filepath.Join(dir, "outcomes"))
	if strings.Count(string(outcomes), "ok ") != n {
		t.Errorf("outcomes %q", outcomes)
	}
}

func child(dir string) {
	s := Store{Dir: filepath.Join(dir, "steps")}
	k := NewKey("imatrix").Param("x", 1)
	m, out, err := s.Do(context.Background(), k, "e", func(_ context.Context, d string) (any, error) {
		f, _ := os.OpenFile(filepath.Join(dir, "computed"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		fmt.Fprintln(f, os.Getenv("STEPCACHE_CHILD_ID"))
		f.Close()
		time.Sleep(300 * time.Millisecond)
		return "r", os.WriteFile(filepath.Join(d, "out"), []byte("x"), 0o644)
	}, nil)
	f, _ := os.OpenFile(filepath.Join(dir, "outcomes"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	defer f.Close()
	if err != nil {
		fmt.Fprintf(f, "error %v\n", err)
		os.Exit(1)
	}
	b, err := os.ReadFile(filepath.Join(m.Dir, "out"))
	if err != nil || string(b) != "x" {
		fmt.Fprintf(f, "bad entry %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(f, "ok %d\n", out)
}

func BenchmarkHash(b *testing.B) {
	p := filepath.Join(b.TempDir(), "f")
	data := make([]byte, 256<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	os.WriteFile(p, data, 0o644)
	b.SetBytes(int64(len(data)))
	// On a shared machine wall time counts the other processes too: also
	// report the bytes per second of this process's CPU time.
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ResetTimer()
	c0 := cpu()
	for range b.N {
		if _, err := hashFile(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(data))/1e6/(cpu()-c0).Seconds(), "MB/cpu-s")
}

func TestCleanRemovesOnlyOrphans(t *testing.T) {
	s := Store{Dir: t.TempDir()}
	key := strings.Repeat("a", 64)
	other := strings.Repeat("b", 64)
	os.MkdirAll(filepath.Join(s.Dir, ".tmp", "imatrix-"+key+"-123"), 0o755) // its process died
	os.MkdirAll(filepath.Join(s.Dir, ".tmp", "imatrix-"+other+"-456"), 0o755)
	os.MkdirAll(filepath.Join(s.Dir, ".locks"), 0o755)
	unlock, err := Lock(context.Background(), s.lockPath("imatrix", other), nil) // still running
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	n, err := s.Clean()
	if err != nil || n != 1 {
		t.Fatalf("removed %d, %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(s.Dir, ".tmp", "imatrix-"+other+"-456")); err != nil {
		t.Error("removed the folder of a running step")
	}
}
