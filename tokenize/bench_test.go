package tokenize

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/calibkit/calibkit/tokenize/internal/jagen"
)

// Benchmarks run over generated encyclopedia-like Japanese text; -benchtime
// and the machine decide the figures. See docs/tokenize.md for the MeCab
// comparison.

// benchText is 1 MiB of generated text, made once.
var benchText = sync.OnceValue(func() string { return jagen.String(1<<20, 1) })

func BenchmarkSplitterSentences(b *testing.B) {
	s := newTestSplitter(b)
	text := benchText()
	dst := make([]string, 0, 1<<16)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		dst = s.AppendSentences(dst[:0], text)
	}
}

func BenchmarkWakati(b *testing.B) {
	tk := newTestTokenizer(b)
	lines := strings.Split(benchText(), "\n")
	b.SetBytes(int64(len(benchText())))
	var dst []byte
	for b.Loop() {
		for _, l := range lines {
			dst = tk.AppendWakati(dst[:0], l)
		}
	}
}

// BenchmarkPipelineWakati is `calibkit tokenize --wakati` without the
// process: ProcessLines with one worker per CPU (-cpu sets how many).
func BenchmarkPipelineWakati(b *testing.B) {
	tk := newTestTokenizer(b)
	text := benchText()
	fn := func(dst, line []byte) []byte { return append(tk.AppendWakati(dst, bytesString(line)), '\n') }
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := ProcessLines(context.Background(), strings.NewReader(text), io.Discard, 0, fn); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPipelineSentences(b *testing.B) {
	s := newTestSplitter(b)
	text := benchText()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := ProcessLines(context.Background(), strings.NewReader(text), io.Discard, 0, s.AppendSentenceLines); err != nil {
			b.Fatal(err)
		}
	}
}
