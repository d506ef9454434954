package democmd

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/train/traintest"
)

func TestDemoImatrixPerMix(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	dir := filepath.Join(t.TempDir(), "demo")
	traintest.Model(t) // trained once for every test binary
	// the steps up to the imatrix per mix, on the trained model
	if err := demoRun(context.Background(), &Options{IO: io, Dir: dir, Workers: 2, Threads: 1, ModelCache: traintest.CacheDir()}, Steps()[:8]); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	// One imatrix per mix, readable, made from at least two chunks of 64
	// tokens, with its manifest naming the mix it came from.
	paths := []string{"share-0.gguf", "share-0.5.gguf", "share-1.gguf"}
	var first *imatrix.Data
	for _, p := range paths {
		p = filepath.Join(dir, "imatrix", p)
		d, err := imatrix.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if d.ChunkSize != demoCtx || d.ChunkCount < 2 || len(d.Entries) == 0 {
			t.Errorf("%s: chunk size %d, %d chunks, %d entries", p, d.ChunkSize, d.ChunkCount, len(d.Entries))
		}
		for _, e := range d.Entries {
			for _, v := range e.Sums {
				if math.IsNaN(float64(v)) || v < 0 {
					t.Fatalf("%s: %s holds %v", p, e.Name, v)
				}
			}
		}
		m, err := manifest.Read(manifest.Path(p))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Inputs) != 2 || !strings.HasSuffix(m.Inputs[1].Path, strings.TrimSuffix(filepath.Base(p), ".gguf")+".txt") {
			t.Errorf("%s: manifest inputs %+v", p, m.Inputs)
		}
		if first == nil {
			first = d
			continue
		}
		// Japanese text moves the importance: the Japanese-only imatrix
		// differs from the English-only one.
		cmp, err := imatrix.Compare(context.Background(), first, d, "en", p)
		if err != nil {
			t.Fatal(err)
		}
		if len(cmp.Weights) != len(first.Entries) {
			t.Errorf("%s: compared %d weights, want %d", p, len(cmp.Weights), len(first.Entries))
		}
		if len(cmp.Weights) > 0 && cmp.Weights[0].Cosine > 0.9999 {
			t.Errorf("%s: the most different weight still has cosine %.6f against English only", p, cmp.Weights[0].Cosine)
		}
	}
	text := out.String()
	for _, want := range []string{"[6/8] a bilingual model", "[7/8] chat-formatted text", "[8/8] imatrix per mix", "share ja", "imatrix/share-0.5.gguf", "1.0000"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestDemoImatrixNeedsInputs(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	err := demoRun(context.Background(), &Options{IO: io, Dir: t.TempDir(), Workers: 1}, []Step{{Name: "imatrix", Run: imatrixPerMix}})
	if err == nil || !strings.Contains(err.Error(), "must run first") {
		t.Errorf("error %v", err)
	}
}
