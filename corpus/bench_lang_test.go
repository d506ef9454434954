package corpus

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/calibkit/calibkit/corpus/internal/synth"
)

// langShard writes about 32 MB of generated articles in lang as a zstd
// shard and returns its path and the bytes of article text in it.
func langShard(b *testing.B, lang string) (string, int64) {
	b.Helper()
	g, err := synth.NewLang(lang, 1)
	if err != nil {
		b.Fatal(err)
	}
	var rows []wikiRow
	var n int64
	for n < 32<<20 {
		a := g.Article()
		rows = append(rows, wikiRow{a.ID, a.URL, a.Title, a.Text})
		n += int64(len(a.Text))
	}
	p := filepath.Join(b.TempDir(), lang+".parquet")
	writeShard(b, p, rows, &parquet.Zstd, 2000)
	return p, n
}

// BenchmarkBuildLang is BenchmarkBuild per language: `corpus build --lang
// L --segment sentences` end to end (zstd parquet → normalize → clean →
// language filter → sentences → dedup → .txt) with the language's
// trailing sections, filter and splitter and runtime.NumCPU() workers, in
// MB/s of article text.
func BenchmarkBuildLang(b *testing.B) {
	for _, lang := range []string{"ja", "de", "zh"} {
		b.Run(lang, func(b *testing.B) {
			p, n := langShard(b, lang)
			out := filepath.Join(b.TempDir(), "out.txt")
			opts := langOptions(b, lang)
			b.SetBytes(n)
			b.ResetTimer()
			for b.Loop() {
				if _, err := Build(context.Background(), []string{p}, out, nil, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLangFilter measures the line filter alone on one goroutine.
func BenchmarkLangFilter(b *testing.B) {
	for _, lang := range []string{"de", "de-noid", "zh"} {
		b.Run(lang, func(b *testing.B) {
			lang, noID := strings.CutSuffix(lang, "-noid")
			g, _ := synth.NewLang(lang, 2)
			var lines []string
			var n int64
			for range 2000 {
				for _, l := range splitLines(g.Article().Text) {
					lines = append(lines, l)
					n += int64(len(l))
				}
			}
			f, err := newLangFilter(lang, 0, !noID, DefaultLangIDMinWords)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(n)
			b.ResetTimer()
			for b.Loop() {
				for _, l := range lines {
					f.check(l)
				}
			}
		})
	}
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		if i > 0 {
			out = append(out, s[:i])
		}
		if i == len(s) {
			break
		}
		s = s[i+1:]
	}
	return out
}

// BenchmarkWorkerLang is BenchmarkWorker per language: cleaning, the
// language filter and segmenting on one goroutine.
func BenchmarkWorkerLang(b *testing.B) {
	for _, lang := range []string{"ja", "de", "zh"} {
		b.Run(lang, func(b *testing.B) {
			g, _ := synth.NewLang(lang, 2)
			var docs []string
			var n int64
			for range 2000 {
				d := g.Article().Text
				docs = append(docs, d)
				n += int64(len(d))
			}
			opts := langOptions(b, lang)
			split, filter, err := stages(&opts)
			if err != nil {
				b.Fatal(err)
			}
			w := newWorker(&opts, newHeadingSet(opts.Clean.TrailingSections, true), split, filter)
			b.SetBytes(n)
			b.ResetTimer()
			for b.Loop() {
				var st Stats
				for _, d := range docs {
					w.process(Document{Text: d}, &st)
				}
			}
		})
	}
}
