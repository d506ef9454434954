package corpus

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
)

func TestBuildDebug(t *testing.T) {
	dir := t.TempDir()
	writeShard(t, filepath.Join(dir, "a.parquet"), articles[:2], &parquet.Zstd, 1)
	writeShard(t, filepath.Join(dir, "b.parquet"), articles[2:], &parquet.Snappy, 1)
	out := filepath.Join(dir, "out.txt")
	opts := DefaultOptions()
	opts.Clean.Lang = "ja"
	inputs, err := ExpandInputs([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	st, err := Build(context.Background(), inputs, out, []string{"test"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	m, _ := os.ReadFile(out + ".manifest.json")
	t.Logf("%+v\n%s\n%s", st, b, m)
}
