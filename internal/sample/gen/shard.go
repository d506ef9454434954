package main

import (
	"bytes"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

type row struct {
	ID    string `parquet:"id"`
	URL   string `parquet:"url"`
	Title string `parquet:"title"`
	Text  string `parquet:"text"`
}

// writeShard writes articles of lang's Wikipedia as a parquet file with the
// Wikipedia schema, two rows per row group.
func writeShard(path, lang string, articles []Article, codec string) error {
	var c compress.Codec = &parquet.Zstd
	if codec == "snappy" {
		c = &parquet.Snappy
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[row](&buf, parquet.Compression(c), parquet.MaxRowsPerRowGroup(2))
	for _, a := range articles {
		if _, err := w.Write([]row{{ID: a.ID, URL: url(lang, a.ID), Title: a.Title, Text: a.Text}}); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
