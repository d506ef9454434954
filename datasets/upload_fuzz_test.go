package datasets

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/calibkit/calibkit/datasets/hubtest"
)

// FuzzUploadAnswers answers the preupload and LFS batch calls with
// arbitrary bytes: Upload must end with an error or a commit within the
// deadline, never panic, never send the token to a storage address. (A
// batch answer that lies about an object being present makes the commit
// fail at the server, as it would on the Hub.)
func FuzzUploadAnswers(f *testing.F) {
	f.Add([]byte(`{"files":[{"path":"a.gguf","uploadMode":"lfs"},{"path":"b.txt","uploadMode":"regular"}]}`), []byte(``))
	f.Add([]byte(`{"files":[{"path":"a.gguf","uploadMode":"lfs","oid":"x"}]}`), []byte(`{"objects":[{"oid":"`+strings.Repeat("0", 64)+`","size":5,"actions":{"upload":{"href":"http://127.0.0.1:1/x","header":{"chunk_size":"2","1":"u"}}}}]}`))
	f.Add([]byte(`{"files":[{"path":"a.gguf","uploadMode":"maybe"}]}`), []byte(`{"objects":[{"error":{"code":404,"message":"no"}}]}`))
	f.Add([]byte(`[]`), []byte(`{"objects":null}`))
	srv := hubtest.New()
	defer srv.Close()
	srv.SetUploadConfig(hubtest.UploadConfig{WriteToken: testToken})
	srv.CreateRepo("model", "me/f", false)
	var pre, batch atomic.Value
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		var b []byte
		switch kind {
		case "preupload":
			b = pre.Load().([]byte)
		case "batch":
			b = batch.Load().([]byte)
		}
		if len(b) == 0 {
			return false // the real answer
		}
		w.Write(b)
		return true
	})
	dir := f.TempDir()
	os.WriteFile(filepath.Join(dir, "a.gguf"), []byte("GGUF\x00 some bytes"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.txt"), []byte("text\n"), 0o644)
	files, err := CollectUploadFiles([]string{dir})
	if err != nil {
		f.Fatal(err)
	}
	c, err := NewClient(Config{Endpoint: srv.URL(), Token: testToken, HubCache: f.TempDir()},
		WithRetry(RetryPolicy{MaxTries: 1, Sleep: func(context.Context, time.Duration) error { return nil }}))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, preAns, batchAns []byte) {
		pre.Store(preAns)
		batch.Store(batchAns)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c.Upload(ctx, UploadRequest{Repo: "me/f", Files: files, Jobs: 2})
		for _, v := range srv.Violations() {
			if strings.Contains(v, "Authorization") {
				t.Fatalf("violation: %s", v)
			}
		}
	})
}
