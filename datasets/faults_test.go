package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/calibkit/calibkit/datasets/hubtest"
)

const faultRepo = "o/faults"

// oneFile serves one LFS file and returns it with its content.
func oneFile(srv *hubtest.Server, n int) (hubtest.File, []byte) {
	d := data(n, 7)
	f := hubtest.Bytes("cfg/train-00000-of-00001.parquet", d, true)
	srv.Add(faultRepo, "main", f)
	return f, d
}

func fetchOne(c *Client, ctx context.Context, f hubtest.File) (File, error) {
	return c.Download(ctx, faultRepo, RepoFile{Path: f.Path, Size: -1})
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestResumeAfterConnectionCut(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	f, d := oneFile(srv, 200_000)
	var ranges []string
	var calls atomic.Int32
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind != "cdn" {
			return false
		}
		ranges = append(ranges, r.Header.Get("Range"))
		if calls.Add(1) == 1 {
			hubtest.CutAfter(w, r, d, 70_001)
			return true
		}
		return false
	})
	c, sl := newTestClient(t, srv, "")
	got, err := fetchOne(c, context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if b := mustRead(t, got.LocalPath); sha(b) != f.SHA256 {
		t.Errorf("sha256 %s, want %s", sha(b), f.SHA256)
	}
	if len(ranges) != 2 || ranges[0] != "" || ranges[1] != "bytes=70001-" {
		t.Errorf("ranges asked: %q", ranges)
	}
	if len(sl.all()) != 1 {
		t.Errorf("waits %v, want one", sl.all())
	}
}

func TestServerIgnoringRangeStartsOver(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	f, d := oneFile(srv, 50_000)
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind != "cdn" {
			return false
		}
		r.Header.Del("Range") // answer 200 with the whole file
		return false
	})
	c, _ := newTestClient(t, srv, "")
	// A partial file whose bytes are wrong: only a clean restart gives the right hash.
	blobs := filepath.Join(c.Cache().RepoDir(faultRepo), "blobs")
	os.MkdirAll(blobs, 0o755)
	os.WriteFile(filepath.Join(blobs, f.SHA256+".incomplete"), []byte(strings.Repeat("x", 20_000)), 0o644)
	got, err := fetchOne(c, context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if b := mustRead(t, got.LocalPath); string(b) != string(d) {
		t.Errorf("content differs after a 200 answer to a Range request")
	}
}

func TestRetriesOn5xxAnd429(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	f, d := oneFile(srv, 10_000)
	var heads, gets atomic.Int32
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		switch {
		case kind == "head" && heads.Add(1) == 1:
			http.Error(w, "boom", http.StatusInternalServerError)
			return true
		case kind == "cdn" && gets.Add(1) == 1:
			w.Header().Set("Retry-After", "7")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return true
		}
		return false
	})
	c, sl := newTestClient(t, srv, "")
	got, err := fetchOne(c, context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if string(mustRead(t, got.LocalPath)) != string(d) {
		t.Error("content differs")
	}
	waits := sl.all()
	if len(waits) != 2 || waits[1] != 7*time.Second {
		t.Errorf("waits %v, want [backoff 7s]", waits)
	}
	if waits[0] <= 0 || waits[0] > 5*time.Millisecond {
		t.Errorf("first wait %v is not the policy's backoff", waits[0])
	}
}

func TestGivesUpAfterMaxTries(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	f, _ := oneFile(srv, 1000)
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind == "head" {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	c, sl := newTestClient(t, srv, "")
	_, err := fetchOne(c, context.Background(), f)
	if err == nil || !strings.Contains(err.Error(), "HTTP 503") || !strings.Contains(err.Error(), "gave up after 4 attempts") || strings.Contains(err.Error(), "network") {
		t.Fatalf("error %v", err)
	}
	if len(sl.all()) != 3 {
		t.Errorf("waits %v, want 3", sl.all())
	}
}

// TestUnreachableHubSaysWhatToDo: a Hub that cannot be reached at all
// (no network, a wrong HF_ENDPOINT) ends with what to do; an answer the
// Hub gave (HTTP 503, above) does not get that advice.
func TestUnreachableHubSaysWhatToDo(t *testing.T) {
	srv := hubtest.New()
	f, _ := oneFile(srv, 1000)
	c, _ := newTestClient(t, srv, "")
	srv.Close()
	_, err := fetchOne(c, context.Background(), f)
	if err == nil || !strings.Contains(err.Error(), "gave up after 4 attempts") || !strings.HasSuffix(err.Error(), "check the network connection and HF_ENDPOINT, or set HF_HUB_OFFLINE=1 to use what the cache holds") {
		t.Fatalf("error %v", err)
	}
}

func TestWrongSHA256LeavesNothing(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	d := data(30_000, 5)
	f := hubtest.Bytes("cfg/train-0.parquet", d, true)
	f.SHA256 = sha([]byte("something else")) // the Hub announces another object
	srv.Add(faultRepo, "main", f)
	c, _ := newTestClient(t, srv, "")
	_, err := fetchOne(c, context.Background(), f)
	var ve *VerifyError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "sha256") || !strings.Contains(err.Error(), f.Path) {
		t.Fatalf("error %v, want a sha256 mismatch naming the file", err)
	}
	repoDir := c.Cache().RepoDir(faultRepo)
	for _, p := range tree(t, repoDir) {
		if (strings.HasPrefix(p, "blobs/") || strings.HasPrefix(p, "snapshots/")) && !strings.HasSuffix(p, "/") {
			t.Errorf("left behind: %s", p)
		}
	}
}

func TestShortBodyIsNotAccepted(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	f, d := oneFile(srv, 40_000)
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind != "cdn" {
			return false
		}
		// A consistent answer, but shorter than X-Linked-Size announced.
		w.Header().Set("Content-Length", "30000")
		w.Write(d[:30000])
		return true
	})
	c, _ := newTestClient(t, srv, "")
	_, err := fetchOne(c, context.Background(), f)
	if err == nil || !strings.Contains(err.Error(), "30000 of 40000") {
		t.Fatalf("error %v", err)
	}
	if _, err := os.Lstat(filepath.Join(c.Cache().SnapshotDir(faultRepo, hubtest.Commit(faultRepo, "main")), f.Path)); err == nil {
		t.Error("a short file appeared in the snapshot")
	}
	if _, err := os.Stat(filepath.Join(c.Cache().RepoDir(faultRepo), "blobs", f.SHA256)); err == nil {
		t.Error("a short blob was stored")
	}
}

func TestDiskFullIsPermanentAndNamed(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	f, _ := oneFile(srv, 10_000)
	t.Run("create", func(t *testing.T) {
		c, sl := newTestClient(t, srv, "", WithOpenFile(func(name string, flag int, perm os.FileMode) (*os.File, error) {
			return nil, &os.PathError{Op: "open", Path: name, Err: syscall.ENOSPC}
		}))
		_, err := fetchOne(c, context.Background(), f)
		if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), f.SHA256+".incomplete") {
			t.Fatalf("error %v", err)
		}
		if len(sl.all()) != 0 {
			t.Errorf("disk full was retried")
		}
	})
	t.Run("write", func(t *testing.T) {
		// /dev/full accepts the open and fails every write with ENOSPC.
		c, sl := newTestClient(t, srv, "", WithOpenFile(func(name string, flag int, perm os.FileMode) (*os.File, error) {
			return os.OpenFile("/dev/full", os.O_WRONLY, 0)
		}))
		_, err := fetchOne(c, context.Background(), f)
		if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), f.SHA256+".incomplete") {
			t.Fatalf("error %v", err)
		}
		if len(sl.all()) != 0 {
			t.Errorf("disk full was retried")
		}
	})
}

func TestConcurrentFetchersWriteOnce(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	f, d := oneFile(srv, 300_000)
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind == "cdn" {
			time.Sleep(150 * time.Millisecond) // keep the first fetcher busy
		}
		return false
	})
	cache := filepath.Join(t.TempDir(), "hub")
	var wg sync.WaitGroup
	results := make([]File, 2)
	errs := make([]error, 2)
	for i := range 2 {
		c, _ := newTestClient(t, srv, cache) // separate clients, separate lock files handles
		wg.Go(func() { results[i], errs[i] = fetchOne(c, context.Background(), f) })
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if string(mustRead(t, results[i].LocalPath)) != string(d) {
			t.Errorf("fetcher %d: content differs", i)
		}
	}
	if n := srv.Count("cdn", f.Path); n != 1 {
		t.Errorf("the file was downloaded %d times, want once", n)
	}
	if results[0].Downloaded == results[1].Downloaded {
		t.Errorf("exactly one fetcher should have downloaded: %v %v", results[0].Downloaded, results[1].Downloaded)
	}
	lock := filepath.Join(cache, ".locks", "datasets--o--faults", f.SHA256+".lock")
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("lock file: %v", err)
	}
}

// cancelAfter cancels its context once n bytes were reported.
type cancelAfter struct {
	n      int64
	got    atomic.Int64
	cancel context.CancelFunc
}

func (p *cancelAfter) StartFile(string, int64, int64) FileProgress { return p }
func (p *cancelAfter) Add(n int) {
	if p.got.Add(int64(n)) >= p.n {
		p.cancel()
	}
}
func (p *cancelAfter) Restart(int64) {}
func (p *cancelAfter) Done(error)    {}

func TestCancelLeavesOnlyIncomplete(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	f, d := oneFile(srv, 100_000)
	var first atomic.Bool
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind != "cdn" || first.Swap(true) {
			return false
		}
		// Send part of the body, then stall until the client hangs up.
		w.Header().Set("Content-Length", "100000")
		w.Write(d[:40_000])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
		return true
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	prog := &cancelAfter{n: 40_000, cancel: cancel}
	cache := filepath.Join(t.TempDir(), "hub")
	c, sl := newTestClient(t, srv, cache, WithProgress(prog))
	_, err := fetchOne(c, ctx, f)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if len(sl.all()) != 0 {
		t.Errorf("a cancelled fetch retried")
	}
	repoDir := c.Cache().RepoDir(faultRepo)
	var files []string
	for _, p := range tree(t, repoDir) {
		if !strings.HasSuffix(p, "/") {
			files = append(files, p)
		}
	}
	want := []string{"blobs/" + f.SHA256 + ".incomplete", "refs/main"}
	if strings.Join(files, ",") != strings.Join(want, ",") {
		t.Errorf("cache holds %v, want %v", files, want)
	}
	if fi, err := os.Stat(filepath.Join(repoDir, "blobs", f.SHA256+".incomplete")); err != nil || fi.Size() != 40_000 {
		t.Errorf("partial file: %v %v", fi, err)
	}
	// The next run resumes from byte 40000.
	var resumedFrom string
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind == "cdn" {
			resumedFrom = r.Header.Get("Range")
		}
		return false
	})
	c2, _ := newTestClient(t, srv, cache)
	got, err := fetchOne(c2, context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if resumedFrom != "bytes=40000-" || string(mustRead(t, got.LocalPath)) != string(d) {
		t.Errorf("resume asked %q", resumedFrom)
	}
}

func TestStalledDownloadIsRetried(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	f, d := oneFile(srv, 80_000)
	var calls atomic.Int32
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind != "cdn" || calls.Add(1) > 1 {
			return false
		}
		w.Header().Set("Content-Length", "80000")
		w.Write(d[:10_000])
		w.(http.Flusher).Flush()
		<-r.Context().Done() // silent until the client gives up
		return true
	})
	c, sl := newTestClient(t, srv, "", WithStallTimeout(250*time.Millisecond))
	got, err := fetchOne(c, context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if string(mustRead(t, got.LocalPath)) != string(d) || calls.Load() != 2 || len(sl.all()) != 1 {
		t.Errorf("calls %d waits %v", calls.Load(), sl.all())
	}
}

func TestExpiredCDNAddressIsRenewed(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	f, d := oneFile(srv, 60_000)
	var calls atomic.Int32
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind == "cdn" && calls.Add(1) == 2 {
			http.Error(w, "Request has expired", http.StatusForbidden)
			return true
		}
		if kind == "cdn" && calls.Load() == 1 {
			hubtest.CutAfter(w, r, d, 20_000)
			return true
		}
		return false
	})
	c, _ := newTestClient(t, srv, "")
	got, err := fetchOne(c, context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if string(mustRead(t, got.LocalPath)) != string(d) || srv.Count("head", f.Path) != 2 {
		t.Errorf("heads %d", srv.Count("head", f.Path))
	}
}

func TestCorruptPartialFileIsRedownloaded(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	f, d := oneFile(srv, 50_000)
	c, _ := newTestClient(t, srv, "")
	// A partial file of the right length of wrong bytes: resuming gives a
	// wrong sha256, and the client must start over once by itself.
	blobs := filepath.Join(c.Cache().RepoDir(faultRepo), "blobs")
	os.MkdirAll(blobs, 0o755)
	bad := append([]byte(nil), d[:30_000]...)
	bad[100] ^= 0xff
	os.WriteFile(filepath.Join(blobs, f.SHA256+".incomplete"), bad, 0o644)
	got, err := fetchOne(c, context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if string(mustRead(t, got.LocalPath)) != string(d) {
		t.Error("content differs")
	}
	if n := srv.Count("cdn", f.Path); n != 2 {
		t.Errorf("%d CDN requests, want 2 (resume, then whole)", n)
	}
}

type lockWatch struct {
	noProgress
	waited chan string
}

func (l *lockWatch) WaitingForLock(name string) { l.waited <- name }

func TestDownloadWaitsForHeldLock(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	f, d := oneFile(srv, 20_000)
	lw := &lockWatch{waited: make(chan string, 1)}
	c, _ := newTestClient(t, srv, "", WithProgress(lw))
	// Another process holds the file's lock.
	unlock, err := lockFile(context.Background(), c.Cache().lockPath(faultRepo, f.SHA256), time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var got File
	go func() {
		var err error
		got, err = fetchOne(c, context.Background(), f)
		done <- err
	}()
	select {
	case name := <-lw.waited:
		if name != f.Path {
			t.Errorf("waiting for %q", name)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the download did not wait for the lock")
	}
	if srv.Count("cdn", f.Path) != 0 {
		t.Error("downloaded while the lock was held")
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if string(mustRead(t, got.LocalPath)) != string(d) {
		t.Error("content differs")
	}
}
