package datasets

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/calibkit/calibkit/datasets/hubtest"
)

// BenchmarkDownload measures one large LFS file arriving from a loopback
// server through the CDN redirect: network read, disk write and sha256,
// as a real fetch does. MB/s is the download rate; allocations per op
// show that memory does not grow with the file.
//
//	go test -run '^$' -bench Download -benchtime 5x ./datasets
func BenchmarkDownload(b *testing.B) {
	const size = 256 << 20
	dir := b.TempDir()
	src := filepath.Join(dir, "src.bin")
	if err := os.WriteFile(src, data(size, 1), 0o644); err != nil {
		b.Fatal(err)
	}
	f, err := hubtest.DiskFile("bench/big.bin", src)
	if err != nil {
		b.Fatal(err)
	}
	srv := hubtest.New()
	defer srv.Close()
	srv.Add("bench/data", "main", f)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		cache := filepath.Join(dir, "hub")
		c, err := NewClient(Config{Endpoint: srv.URL(), HubCache: cache})
		if err != nil {
			b.Fatal(err)
		}
		got, err := c.Download(context.Background(), "bench/data", RepoFile{Path: f.Path, Size: -1})
		if err != nil || !got.Downloaded {
			b.Fatal(err, got)
		}
		b.StopTimer()
		os.RemoveAll(cache)
		b.StartTimer()
	}
}

// BenchmarkUpload measures a cold Upload (no hash cache) of one 64 MiB
// LFS file to the loopback hubtest server (hash, preupload, batch, one PUT
// the server hashes as it arrives, verify, commit), in MB/s of the file.
// The server forgets the object, so every round sends it.
func BenchmarkUpload(b *testing.B) {
	const size = 64 << 20
	dir := b.TempDir()
	src := filepath.Join(dir, "model.gguf")
	if err := os.WriteFile(src, data(size, 1), 0o644); err != nil {
		b.Fatal(err)
	}
	srv := hubtest.New()
	defer srv.Close()
	srv.SetUploadConfig(hubtest.UploadConfig{WriteToken: "tok", Forget: true})
	srv.CreateRepo("model", "bench/upload", false)
	c, err := NewClient(Config{Endpoint: srv.URL(), Token: "tok", HubCache: filepath.Join(dir, "hub")}, WithoutHashCache())
	if err != nil {
		b.Fatal(err)
	}
	files, err := CollectUploadFiles([]string{src})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	for i := 0; b.Loop(); i++ {
		res, err := c.Upload(context.Background(), UploadRequest{Repo: "bench/upload", Files: files, Message: fmt.Sprint("round ", i)})
		if err != nil || !res.Files[0].Sent {
			b.Fatal(err, res)
		}
	}
}

// BenchmarkUploadFiles measures a cold Upload of four 32 MiB LFS files,
// sent one at a time: "overlapped" hashes each file while the ones before
// it are sent (how Upload works), "hash-all-first" puts every file in one
// group, so that nothing is sent before all are hashed (how it worked
// before). "loopback" sends as fast as the loopback server takes it (on
// 2 cores the client's and the server's sha256 compete for the CPU);
// "link-100MB" paces what the client writes to 100 MB/s, an uplink slower
// than hashing, as a real one is.
func BenchmarkUploadFiles(b *testing.B) {
	const size, n = 32 << 20, 4
	dir := b.TempDir()
	var paths []string
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("model-%d.gguf", i))
		if err := os.WriteFile(p, data(size, byte(i+1)), 0o644); err != nil {
			b.Fatal(err)
		}
		paths = append(paths, p)
	}
	files, err := CollectUploadFiles(paths)
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name  string
		group int64
		rate  float64 // bytes per second the client may write; 0: any
	}{
		{"loopback/overlapped", groupBytes, 0}, {"loopback/hash-all-first", 1 << 62, 0},
		{"link-100MB/overlapped", groupBytes, 100e6}, {"link-100MB/hash-all-first", 1 << 62, 100e6},
	} {
		b.Run(mode.name, func(b *testing.B) {
			old := groupBytes
			groupBytes = mode.group
			defer func() { groupBytes = old }()
			srv := hubtest.New()
			defer srv.Close()
			srv.SetUploadConfig(hubtest.UploadConfig{WriteToken: "tok", Forget: true})
			srv.CreateRepo("model", "bench/upload", false)
			tr := http.DefaultTransport.(*http.Transport).Clone()
			if mode.rate > 0 {
				pace := &pacer{rate: mode.rate}
				var d net.Dialer
				tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
					conn, err := d.DialContext(ctx, network, addr)
					if err != nil {
						return nil, err
					}
					return pacedConn{conn, pace}, nil
				}
			}
			c, err := NewClient(Config{Endpoint: srv.URL(), Token: "tok", HubCache: filepath.Join(dir, "hub")},
				WithoutHashCache(), WithHTTPClient(&http.Client{Transport: tr}))
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size * n)
			for i := 0; b.Loop(); i++ {
				res, err := c.Upload(context.Background(), UploadRequest{Repo: "bench/upload", Files: files, Jobs: 1, Message: fmt.Sprint("round ", i)})
				if err != nil || !res.Files[n-1].Sent {
					b.Fatal(err, res)
				}
			}
		})
	}
}

// pacer lets writes through at rate bytes per second, all connections
// together.
type pacer struct {
	rate float64
	mu   sync.Mutex
	next time.Time
}

func (p *pacer) wait(n int) {
	p.mu.Lock()
	// behind schedule (a sleep that overslept) the credit is kept, up to
	// 20 ms of it, so that the rate holds on average
	now := time.Now()
	if p.next.Before(now.Add(-20 * time.Millisecond)) {
		p.next = now.Add(-20 * time.Millisecond)
	}
	p.next = p.next.Add(time.Duration(float64(n) / p.rate * float64(time.Second)))
	until := p.next
	p.mu.Unlock()
	if d := time.Until(until); d > 0 {
		time.Sleep(d)
	}
}

// pacedConn is a connection whose writes go at its pacer's rate (being a
// plain net.Conn, it also keeps the kernel from sending files itself).
type pacedConn struct {
	net.Conn
	p *pacer
}

func (c pacedConn) Write(b []byte) (int, error) {
	var n int
	for len(b) > 0 {
		k := min(len(b), 256<<10)
		c.p.wait(k)
		m, err := c.Conn.Write(b[:k])
		n += m
		if err != nil {
			return n, err
		}
		b = b[k:]
	}
	return n, nil
}
