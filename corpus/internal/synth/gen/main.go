// Command gen writes Wikipedia-schema parquet shards (id, url, title, text;
// zstd) of generated Japanese, German or Chinese articles (-lang), for
// real-size runs of
// `calibkit corpus build`:
//
//	go run ./corpus/internal/synth/gen -size 1GB -shards 4 -o /tmp/shards
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/calibkit/calibkit/corpus/internal/synth"
)

type row struct {
	ID    string `parquet:"id"`
	URL   string `parquet:"url"`
	Title string `parquet:"title"`
	Text  string `parquet:"text"`
}

func main() {
	size := flag.String("size", "100MB", "total article text to write (e.g. 1GB, 300MB)")
	shards := flag.Int("shards", 4, "number of shards")
	out := flag.String("o", "shards", "output folder")
	seed := flag.Uint64("seed", 1, "random seed")
	lang := flag.String("lang", "ja", "language of the articles: ja, de or zh")
	flag.Parse()
	total, err := parseSize(*size)
	if err != nil || *shards < 1 {
		fmt.Fprintln(os.Stderr, "gen: bad -size or -shards:", err)
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	g, err := synth.NewLang(*lang, *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(2)
	}
	per := total / int64(*shards)
	for s := range *shards {
		path := filepath.Join(*out, fmt.Sprintf("train-%05d-of-%05d.parquet", s, *shards))
		if err := writeShard(path, g, per); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		fmt.Println(path)
	}
}

func writeShard(path string, g *synth.Generator, bytes int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[row](f, parquet.Compression(&parquet.Zstd), parquet.MaxRowsPerRowGroup(2000))
	var n int64
	buf := make([]row, 0, 256)
	for n < bytes {
		a := g.Article()
		buf = append(buf, row{a.ID, a.URL, a.Title, a.Text})
		n += int64(len(a.Text))
		if len(buf) == cap(buf) {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if _, err := w.Write(buf); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return f.Close()
}

func parseSize(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}} {
		if strings.HasSuffix(s, u.suf) {
			s, mult = strings.TrimSuffix(s, u.suf), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, err
	}
	return int64(v * float64(mult)), nil
}
