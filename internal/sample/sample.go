// Package sample holds the sample data embedded in the calibkit binary, so
// that `calibkit demo` runs on a fresh machine without a download: two small
// Japanese Wikipedia-schema parquet shards (id, url, title, text; zstd and
// snappy), a Chinese one (zstd) and an English wikitext-style text. The files are made by
// `go run ./internal/sample/gen` from texts written for calibkit.
package sample

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Names of the embedded files.
const (
	ShardZstd   = "ja-wiki-00000-of-00002.parquet"
	ShardSnappy = "ja-wiki-00001-of-00002.parquet"
	ShardZh     = "zh-wiki-00000-of-00001.parquet"
	Wikitext    = "wikitext-sample.raw"
)

//go:embed data
var data embed.FS

// FS returns the sample files, at the top of the file system.
func FS() fs.FS {
	sub, err := fs.Sub(data, "data")
	if err != nil {
		panic(err) // the embedded folder always exists
	}
	return sub
}

// Shards lists the names of the Japanese parquet shards.
func Shards() []string { return []string{ShardZstd, ShardSnappy} }

// ShardsZh lists the names of the Chinese parquet shards.
func ShardsZh() []string { return []string{ShardZh} }

// WriteTo copies the named sample files (all of them when names is empty)
// into dir and returns their paths.
func WriteTo(dir string, names ...string) ([]string, error) {
	if len(names) == 0 {
		names = []string{ShardZstd, ShardSnappy, ShardZh, Wikitext}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write sample data: %w", err)
	}
	var paths []string
	for _, n := range names {
		b, err := fs.ReadFile(FS(), n)
		if err != nil {
			return nil, fmt.Errorf("sample file %s: %w", n, err)
		}
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return nil, fmt.Errorf("write sample data: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}
