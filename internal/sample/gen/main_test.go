package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/calibkit/calibkit/internal/sample"
)

// TestEmbeddedDataIsCurrent regenerates the sample files and compares them
// with the ones embedded in the binary: after editing the texts, run
// `go run ./internal/sample/gen`.
func TestEmbeddedDataIsCurrent(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{sample.ShardZstd, sample.ShardSnappy, sample.ShardZh, sample.Wikitext} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := fs.ReadFile(sample.FS(), name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the generator's output: run go run ./internal/sample/gen", name)
		}
	}
}
