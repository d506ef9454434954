// Package sample holds the sample data embedded in the calibkit binary, so
// that `calibkit demo` runs on a fresh machine without a download: two small
// Japanese Wikipedia-schema parquet shards (id, url, title, text; zstd and
// snappy), a Chinese one (zstd) and an English wikitext-style text, made by
// `go run ./internal/sample/gen` from texts written for calibkit; and about
// 400 KB each of real Japanese and English Wikipedia articles as JSONL
// (wiki/, see Wiki), taken from published data sets under CC BY-SA, whose
// sources and licences data/wiki/README.md records; and 48 short Japanese
// and English conversations as messages JSONL (chat/, see Chat), written
// for calibkit and released under CC0 (data/chat/README.md).
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
// into dir, keeping their folders (wiki/ja.jsonl goes to dir/wiki), and
// returns their paths.
func WriteTo(dir string, names ...string) ([]string, error) {
	if len(names) == 0 {
		names = []string{ShardZstd, ShardSnappy, ShardZh, Wikitext, WikiJa, WikiEn, ChatJa, ChatEn}
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
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("write sample data: %w", err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return nil, fmt.Errorf("write sample data: %w", err)
		}
		paths = append(paths, p)
	}
	return paths, nil
}
