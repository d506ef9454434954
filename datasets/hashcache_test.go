package datasets

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHashCache(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.gguf")
	os.WriteFile(p, data(1000, 1), 0o644)
	cache := hashCache{dir: filepath.Join(dir, "cache")}
	f := UploadFile{Local: p, PathInRepo: "model.gguf"}
	first, err := hashUploadFile(f, cache)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p)
	abs, _ := filepath.Abs(p)
	if r, ok := cache.lookup(abs, fi); !ok || r.SHA256 != first.sha256 || r.GitOID != first.gitOID {
		t.Fatalf("no record after hashing: %+v %v", r, ok)
	}
	again, err := hashUploadFile(f, cache)
	if err != nil || again.sha256 != first.sha256 || string(again.sample) != string(first.sample) {
		t.Fatalf("cached %+v, %v", again, err)
	}
	// same size, modification time put back: the change time still tells
	mtime := fi.ModTime()
	os.WriteFile(p, data(1000, 2), 0o644)
	os.Chtimes(p, mtime, mtime)
	changed, err := hashUploadFile(f, cache)
	if err != nil || changed.sha256 == first.sha256 {
		t.Fatalf("a changed file kept its old hash: %v", err)
	}
	// a broken record is ignored
	os.WriteFile(cache.file(abs), []byte("{"), 0o644)
	fi, _ = os.Stat(p)
	if _, ok := cache.lookup(abs, fi); ok {
		t.Error("a broken record was used")
	}
}
