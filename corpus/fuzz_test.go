package corpus

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
)

// FuzzJSONLReader: any bytes give documents or an error naming the file
// and a line, never a panic; every document's text is valid UTF-8 (invalid
// bytes were replaced and counted).
func FuzzJSONLReader(f *testing.F) {
	f.Add([]byte(`{"id": 1, "title": "題", "text": "本文。"}` + "\n"))
	f.Add([]byte("{\"text\": \"壊\xffれ\"}\n\n{\"text\": null}"))
	f.Add([]byte(`{"text": "a"}` + "\n" + `{"text":`))
	f.Add([]byte(`[1]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewJSONLReader(bytes.NewReader(data), "f.jsonl", DefaultReaderOptions())
		for range 10000 {
			d, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "f.jsonl line ") {
					t.Fatalf("error without position: %v", err)
				}
				return
			}
			if !utf8.ValidString(d.Text) || !utf8.ValidString(d.ID) {
				t.Fatalf("invalid UTF-8 passed through: %q", d.Text)
			}
		}
	})
}

// FuzzParquetReader: a damaged shard gives documents or an error naming the
// file, never a panic or a hang.
func FuzzParquetReader(f *testing.F) {
	dir := f.TempDir()
	for i, codec := range []struct {
		c   parquet.WriterOption
		per int64
	}{{parquet.Compression(&parquet.Zstd), 1}, {parquet.Compression(&parquet.Snappy), 2}, {parquet.Compression(&parquet.Uncompressed), 3}} {
		p := filepath.Join(dir, "seed.parquet")
		fh, _ := os.Create(p)
		w := parquet.NewGenericWriter[wikiRow](fh, codec.c, parquet.MaxRowsPerRowGroup(codec.per))
		w.Write(articles)
		w.Close()
		fh.Close()
		b, _ := os.ReadFile(p)
		f.Add(b, uint32(i*97), byte(0xff))
		f.Add(b[:len(b)-i-1], uint32(0), byte(0))
	}
	f.Fuzz(func(t *testing.T, data []byte, pos uint32, val byte) {
		if len(data) > 0 {
			data = bytes.Clone(data)
			data[int(pos)%len(data)] ^= val
		}
		r, err := NewParquetReader(bytes.NewReader(data), int64(len(data)), "f.parquet", DefaultReaderOptions())
		if err != nil {
			if !strings.Contains(err.Error(), "f.parquet") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		defer r.Close()
		for n := int64(0); n <= r.NumRows(); n++ {
			_, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if !strings.Contains(err.Error(), "f.parquet") {
					t.Fatalf("error without file name: %v", err)
				}
				return
			}
		}
		t.Fatalf("more rows than the %d the footer declares", r.NumRows())
	})
}

// FuzzNormalize: the normalized text is valid UTF-8, holds no \r, and
// normalizing it again changes nothing.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"ＡＢＣ　ｶﾞ\r\n\u200b", "壊\xffれ", " a \t b \n\n c ", "か\u3099\u2028x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normalizer{opts: DefaultNormalizeOptions()}
		var st normStats
		once := string(n.normalize(s, &st))
		if !utf8.ValidString(once) || strings.Contains(once, "\r") {
			t.Fatalf("normalize(%+q) = %+q", s, once)
		}
		var st2 normStats
		if twice := string(n.normalize(once, &st2)); twice != once {
			t.Fatalf("not idempotent: %+q -> %+q -> %+q", s, once, twice)
		}
	})
}
