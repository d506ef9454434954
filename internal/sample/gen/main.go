// Command gen writes calibkit's embedded sample data into internal/sample/data:
// two Japanese Wikipedia-schema parquet shards (zstd and snappy), one Chinese
// shard (zstd) and an English wikitext-style sample. Run it from the repository root after
// changing the texts:
//
//	go run ./internal/sample/gen
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/calibkit/calibkit/internal/sample"
)

func main() {
	dir := flag.String("o", filepath.Join("internal", "sample", "data"), "output folder")
	flag.Parse()
	if err := Write(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// Write writes every sample file into dir.
func Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, s := range []struct {
		name, lang string
		articles   []Article
		codec      string
	}{{sample.ShardZstd, "ja", shardA, "zstd"}, {sample.ShardSnappy, "ja", shardB, "snappy"}, {sample.ShardZh, "zh", shardZh, "zstd"}} {
		if err := writeShard(filepath.Join(dir, s.name), s.lang, s.articles, s.codec); err != nil {
			return fmt.Errorf("write %s: %w", s.name, err)
		}
	}
	return os.WriteFile(filepath.Join(dir, sample.Wikitext), []byte(wikitextSample), 0o644)
}
