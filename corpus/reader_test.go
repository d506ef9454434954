package corpus

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"
)

func readAll(t *testing.T, r interface{ Next() (Document, error) }) []Document {
	t.Helper()
	var docs []Document
	for {
		d, err := r.Next()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
}

func TestTextReader(t *testing.T) {
	in := "\n\n第一段落。\r\n続き。\n \t\n\n第二段落。" + strings.Repeat("長", 1<<20) + "\n"
	docs := readAll(t, NewTextReader(strings.NewReader(in), "x.txt"))
	if len(docs) != 2 || docs[0].Text != "第一段落。\n続き。" || docs[0].ID != "3" || docs[1].ID != "7" || docs[0].Source != "x.txt" {
		t.Fatalf("docs %+v", docs[:1])
	}
	if !strings.HasSuffix(docs[1].Text, "長長") || len(docs[1].Text) != len("第二段落。")+3<<20 {
		t.Errorf("long line: %d bytes", len(docs[1].Text))
	}
}

func TestJSONLReader(t *testing.T) {
	in := `{"id": 1, "title": "題", "url": null, "text": "本文。"}` + "\n\n" + `{"body": "x", "text": "二つ目。"}`
	docs := readAll(t, NewJSONLReader(strings.NewReader(in), "x.jsonl", DefaultReaderOptions()))
	want := []Document{{ID: "1", Title: "題", Text: "本文。", Source: "x.jsonl"}, {ID: "3", Text: "二つ目。", Source: "x.jsonl"}}
	if len(docs) != 2 || docs[0] != want[0] || docs[1] != want[1] {
		t.Errorf("docs %+v", docs)
	}
	opts := DefaultReaderOptions()
	opts.TextColumn = "body"
	_, err := NewJSONLReader(strings.NewReader(in), "x.jsonl", opts).Next()
	if err == nil || !strings.Contains(err.Error(), `x.jsonl line 1: no "body" key`) || !strings.Contains(err.Error(), `"title"`) {
		t.Errorf("error %v", err)
	}
	for _, bad := range []string{"[1,2]", "null", `{"text": 5e}`, `{"text": {"a": 1}}`} {
		_, err := NewJSONLReader(strings.NewReader(bad), "b.jsonl", DefaultReaderOptions()).Next()
		if err == nil || !strings.Contains(err.Error(), "b.jsonl line 1") {
			t.Errorf("%s: error %v", bad, err)
		}
	}
}

func TestCompressedInputs(t *testing.T) {
	dir := t.TempDir()
	var gz, zs bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"text": "圧縮された文。"}` + "\n"))
	zw.Close()
	ze, _ := zstd.NewWriter(&zs)
	ze.Write([]byte("圧縮された本文。\n"))
	ze.Close()
	os.WriteFile(filepath.Join(dir, "a.jsonl.gz"), gz.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "b.txt.zst"), zs.Bytes(), 0o644)
	for name, want := range map[string]string{"a.jsonl.gz": "圧縮された文。", "b.txt.zst": "圧縮された本文。"} {
		r, err := Open(filepath.Join(dir, name), DefaultReaderOptions())
		if err != nil {
			t.Fatal(err)
		}
		docs := readAll(t, r)
		if len(docs) != 1 || docs[0].Text != want || r.Offset() == 0 {
			t.Errorf("%s: %+v offset %d", name, docs, r.Offset())
		}
		r.Close()
	}
}

func TestParquetReader(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.parquet")
	writeShard(t, p, articles, &parquet.Snappy, 2)
	r, err := OpenParquet(p, DefaultReaderOptions())
	if err != nil {
		t.Fatal(err)
	}
	docs := readAll(t, r)
	if r.Offset() != func() int64 { fi, _ := os.Stat(p); return fi.Size() }() {
		t.Errorf("offset %d at end", r.Offset())
	}
	r.Close()
	if len(docs) != len(articles) {
		t.Fatalf("%d docs", len(docs))
	}
	for i, d := range docs {
		a := articles[i]
		if d.ID != a.ID || d.Title != a.Title || d.URL != a.URL || d.Text != a.Text || d.Source != p {
			t.Errorf("doc %d: %+v", i, d)
		}
	}
	// Reading only the text column leaves the other fields empty (ID
	// falls back to the row number).
	r, err = OpenParquet(p, ReaderOptions{TextColumn: "text"})
	if err != nil {
		t.Fatal(err)
	}
	docs = readAll(t, r)
	r.Close()
	if docs[2].ID != "2" || docs[2].Title != "" || docs[2].Text != articles[2].Text {
		t.Errorf("text only: %+v", docs[2])
	}
}

// TestParquetOtherSchema reads a shard with an int64 id, an optional
// (nullable) text and differently named columns.
func TestParquetOtherSchema(t *testing.T) {
	type row struct {
		Key  int64   `parquet:"key"`
		Body *string `parquet:"body,optional"`
	}
	s := "本文。"
	p := filepath.Join(t.TempDir(), "o.parquet")
	f, _ := os.Create(p)
	w := parquet.NewGenericWriter[row](f, parquet.Compression(&parquet.Zstd))
	w.Write([]row{{Key: 42, Body: &s}, {Key: 43}})
	w.Close()
	f.Close()
	r, err := OpenParquet(p, ReaderOptions{TextColumn: "body", IDColumn: "key"})
	if err != nil {
		t.Fatal(err)
	}
	docs := readAll(t, r)
	r.Close()
	if len(docs) != 2 || docs[0].ID != "42" || docs[0].Text != s || docs[1].ID != "43" || docs[1].Text != "" {
		t.Errorf("docs %+v", docs)
	}
	if _, err := OpenParquet(p, ReaderOptions{TextColumn: "key"}); err == nil || !strings.Contains(err.Error(), "holds numbers") {
		t.Errorf("numeric text column: %v", err)
	}
}

// TestParquetPageLayouts reads shards written with data page v1 and v2,
// small pages, dictionary-encoded columns and page statistics, as pyarrow
// and other writers produce them.
func TestParquetPageLayouts(t *testing.T) {
	type dictRow struct {
		ID    string `parquet:"id,dict"`
		URL   string `parquet:"url"`
		Title string `parquet:"title,dict"`
		Text  string `parquet:"text"`
	}
	var rows []dictRow
	for i := range 500 {
		a := articles[i%len(articles)]
		rows = append(rows, dictRow{ID: a.ID, URL: a.URL, Title: a.Title, Text: strings.Repeat(a.Text, 1+i%7)})
	}
	for _, v := range []int{1, 2} {
		p := filepath.Join(t.TempDir(), "layout.parquet")
		f, _ := os.Create(p)
		w := parquet.NewGenericWriter[dictRow](f, parquet.Compression(&parquet.Zstd), parquet.DataPageVersion(v),
			parquet.PageBufferSize(4<<10), parquet.DataPageStatistics(true), parquet.MaxRowsPerRowGroup(120))
		if _, err := w.Write(rows); err != nil {
			t.Fatal(err)
		}
		w.Close()
		f.Close()
		r, err := OpenParquet(p, DefaultReaderOptions())
		if err != nil {
			t.Fatal(err)
		}
		docs := readAll(t, r)
		r.Close()
		if len(docs) != len(rows) {
			t.Fatalf("v%d: %d docs", v, len(docs))
		}
		for i, d := range docs {
			if d.ID != rows[i].ID || d.Title != rows[i].Title || d.Text != rows[i].Text {
				t.Fatalf("v%d row %d: %+v", v, i, d)
			}
		}
	}
}
