// Command hubserve runs the fake Hugging Face Hub of package hubtest on
// loopback with generated LFS files, to measure `calibkit fetch` against
// curl on the same server (see docs/datasets.md):
//
//	go run ./datasets/hubtest/hubserve -size-mb 1024 -files 4
//
// It prints the HF_ENDPOINT to use and the CDN address of each file (for
// curl), then serves until interrupted. The upload side takes the token
// it prints as HF_TOKEN (repository bench/upload exists); PUT_URL is the
// storage address a whole LFS object is PUT to (append its sha256), for
// curl -T. With -forget neither preupload nor the LFS batch reports what
// the server has, so that the same file is uploaded round after round.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/calibkit/calibkit/datasets/hubtest"
)

func main() {
	sizeMB := flag.Int("size-mb", 1024, "size of each generated file in MiB")
	files := flag.Int("files", 1, "number of files")
	dir := flag.String("dir", os.TempDir(), "folder for the generated files")
	forget := flag.Bool("forget", false, "upload side: ask for every LFS object again")
	multipartMB := flag.Int("multipart-mb", 0, "upload side: LFS objects of this many MiB or more go multipart (0: never)")
	chunkMB := flag.Int("chunk-mb", 64, "upload side: multipart part size in MiB")
	flag.Parse()
	srv := hubtest.New()
	defer srv.Close()
	srv.SetUploadConfig(hubtest.UploadConfig{WriteToken: "hf_bench_write", Forget: *forget,
		MultipartThreshold: int64(*multipartMB) << 20, ChunkSize: int64(*chunkMB) << 20})
	srv.CreateRepo("model", "bench/upload", false)
	for i := range *files {
		p := filepath.Join(*dir, fmt.Sprintf("hubserve-%d-%d.bin", *sizeMB, i))
		if err := generate(p, int64(*sizeMB)<<20, uint64(i)); err != nil {
			fmt.Fprintln(os.Stderr, "hubserve:", err)
			os.Exit(1)
		}
		f, err := hubtest.DiskFile(fmt.Sprintf("data/part-%d.bin", i), p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "hubserve:", err)
			os.Exit(1)
		}
		srv.Add("bench/data", "main", f)
		fmt.Printf("CDN_URL_%d=%s/lfs/%s\n", i, srv.CDN.URL, f.SHA256)
	}
	fmt.Printf("HF_TOKEN=hf_bench_write\nPUT_URL=%s/lfs-upload\n", srv.CDN.URL)
	fmt.Printf("HF_ENDPOINT=%s\n", srv.URL())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	<-ch
}

// generate writes size pseudo-random bytes to p unless it already has them.
func generate(p string, size int64, seed uint64) error {
	if fi, err := os.Stat(p); err == nil && fi.Size() == size {
		return nil
	}
	f, err := os.Create(p)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(seed, 42))
	var buf [8]byte
	for n := int64(0); n < size; n += 8 {
		v := r.Uint64()
		for j := range buf {
			buf[j] = byte(v >> (8 * j))
		}
		if _, err := w.Write(buf[:min(8, size-n)]); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
