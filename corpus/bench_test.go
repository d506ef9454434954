package corpus

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/calibkit/calibkit/corpus/internal/synth"
)

// benchShard writes about 32 MB of generated articles as a zstd shard, the
// codec of the wikimedia/wikipedia dataset, and returns its path and the
// bytes of article text in it.
func benchShard(b *testing.B) (string, int64) {
	b.Helper()
	g := synth.New(1)
	var rows []wikiRow
	var n int64
	for n < 32<<20 {
		a := g.Article()
		rows = append(rows, wikiRow{a.ID, a.URL, a.Title, a.Text})
		n += int64(len(a.Text))
	}
	p := filepath.Join(b.TempDir(), "bench.parquet")
	writeShard(b, p, rows, &parquet.Zstd, 2000)
	return p, n
}

// BenchmarkBuild measures the whole pipeline (zstd parquet → normalize →
// clean → sentences → dedup → .txt) in MB/s of article text, with the
// default options and runtime.NumCPU() workers.
func BenchmarkBuild(b *testing.B) {
	p, n := benchShard(b)
	out := filepath.Join(b.TempDir(), "out.txt")
	opts := DefaultOptions()
	opts.Clean.Lang = "ja"
	b.SetBytes(n)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Build(context.Background(), []string{p}, out, nil, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcessOneWorker is the pipeline on a single worker, to Discard.
func BenchmarkProcessOneWorker(b *testing.B) {
	p, n := benchShard(b)
	opts := DefaultOptions()
	opts.Workers = 1
	b.SetBytes(n)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Process(context.Background(), []string{p}, io.Discard, OutputText, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadParquet measures reading the shard alone.
func BenchmarkReadParquet(b *testing.B) {
	p, n := benchShard(b)
	b.SetBytes(n)
	b.ResetTimer()
	for b.Loop() {
		r, err := OpenParquet(p, DefaultReaderOptions())
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
		r.Close()
	}
}

func benchText(b *testing.B) []string {
	g := synth.New(2)
	var docs []string
	for range 2000 {
		docs = append(docs, g.Article().Text)
	}
	return docs
}

// BenchmarkNormalize measures the normalization steps on one goroutine.
func BenchmarkNormalize(b *testing.B) {
	docs := benchText(b)
	var n int64
	for _, d := range docs {
		n += int64(len(d))
	}
	nz := normalizer{opts: DefaultNormalizeOptions()}
	b.SetBytes(n)
	b.ResetTimer()
	for b.Loop() {
		var st normStats
		for _, d := range docs {
			nz.normalize(d, &st)
		}
	}
}

// BenchmarkWorker measures cleaning and segmenting on one goroutine.
func BenchmarkWorker(b *testing.B) {
	docs := benchText(b)
	var n int64
	for _, d := range docs {
		n += int64(len(d))
	}
	opts := DefaultOptions()
	p := &Options{}
	*p = opts
	w := newWorker(p, newHeadingSet(opts.Clean.TrailingSections, true), mustSplitter(b), nil)
	b.SetBytes(n)
	b.ResetTimer()
	for b.Loop() {
		var st Stats
		for _, d := range docs {
			w.process(Document{Text: d}, &st)
		}
	}
}

func BenchmarkHash64(b *testing.B) {
	s := "富士山(ふじさん)は、静岡県と山梨県にまたがる活火山である。"
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		hash64(s)
	}
}

// BenchmarkReadJSONL measures the JSONL reader alone.
func BenchmarkReadJSONL(b *testing.B) {
	g := synth.New(3)
	var buf bytes.Buffer
	for buf.Len() < 32<<20 {
		a := g.Article()
		line, _ := json.Marshal(map[string]string{"id": a.ID, "url": a.URL, "title": a.Title, "text": a.Text})
		buf.Write(line)
		buf.WriteByte('\n')
	}
	b.SetBytes(int64(buf.Len()))
	b.ResetTimer()
	for b.Loop() {
		r := NewJSONLReader(bytes.NewReader(buf.Bytes()), "b.jsonl", DefaultReaderOptions())
		for {
			if _, err := r.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}

// BenchmarkDedupWriter measures the ordered writer stage alone: 5 million
// units with distinct hashes in documents of 25, de-duplicated and written
// to io.Discard. The hash table outgrows the caches, as on a real corpus.
func BenchmarkDedupWriter(b *testing.B) {
	h := uint64(1)
	docs := make([]cleanDoc, 200000)
	for i := range docs {
		us := make([]unit, 25)
		for j := range us {
			h = mix(h, hp1) // distinct pseudo-random hashes
			us[j] = unit{text: "あいうえお。", hash: h, chars: 6}
		}
		docs[i].units = us
	}
	opts := DefaultOptions()
	b.ResetTimer()
	for b.Loop() {
		dw := newDocWriter(io.Discard, OutputText, &opts, &Stats{})
		for i := range docs {
			if err := dw.write(&docs[i]); err != nil {
				b.Fatal(err)
			}
		}
		dw.close()
	}
}
