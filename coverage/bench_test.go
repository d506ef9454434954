package coverage

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/synth"
)

// BenchmarkRun measures coverage of about 4 MB of mixed Japanese and
// English text (internal/synth's sample, repeated) with synthesized SPM and
// BPE vocabularies of 4096 tokens, whole-file and in 1 MiB pieces:
//
//	go test ./coverage/ -run '^$' -bench Run -benchtime 3x
func BenchmarkRun(b *testing.B) {
	sample, err := os.ReadFile(filepath.Join("..", "internal", "synth", "sample.txt"))
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat(string(sample), (4<<20)/len(sample)+1)
	path := filepath.Join(b.TempDir(), "text.txt")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, kind := range []string{synth.VocabSPM, synth.VocabBPE} {
		for _, piece := range []int{64 << 20, 1 << 20} {
			name := kind + "/whole"
			if piece < 64<<20 {
				name = kind + "/pieces-1MiB"
			}
			b.Run(name, func(b *testing.B) {
				model := testModel(b, kind)
				var tokens int64
				for b.Loop() {
					res, err := Run(context.Background(), Options{Model: model, Files: []string{path}, PieceBytes: piece})
					if err != nil {
						b.Fatal(err)
					}
					tokens += res.Files[0].Tokens
				}
				s := b.Elapsed().Seconds()
				b.ReportMetric(float64(tokens)/s, "tokens/s")
				b.ReportMetric(float64(b.N)*float64(len(text))/1e6/s, "MB/s")
			})
		}
	}
}
