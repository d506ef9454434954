package datasets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

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

// BenchmarkUpload measures Upload of one 64 MiB LFS file to the loopback
// hubtest server (hash, preupload, batch, one PUT the server hashes as it
// arrives, verify, commit), in MB/s of the file. The server forgets the
// object, so every round sends it.
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
	c, err := NewClient(Config{Endpoint: srv.URL(), Token: "tok", HubCache: filepath.Join(dir, "hub")})
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
