package engine

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/llamacpptest"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// TestParseKLDChunks reads the per-chunk table of llama-perplexity
// --kl-divergence (testdata/kld-q4km.stdout: a Q4_K_M of the synthesized
// model against its own base file, 20 chunks of 64 tokens, printed by the
// tools of ../shared/llama.cpp) and what a damaged table gives.
func TestParseKLDChunks(t *testing.T) {
	b, err := os.ReadFile("testdata/kld-q4km.stdout")
	if err != nil {
		t.Fatal(err)
	}
	good := string(b)
	row2 := "   2    3731.4628 ±  478.5927      -0.01215 ±    0.01191       0.00311 ±    0.00014     0.004 ±  0.001 %    87.097 ±  4.292 %\n"
	if !strings.Contains(good, row2) {
		t.Fatal("the fixture lacks its second row")
	}
	tests := []struct {
		name   string
		out    string
		chunks int    // ChunkKLD's length
		want   string // error
	}{
		{"table", good, 20, ""},
		{"degenerate", mustRead(t, "testdata/kld.stdout"), 15, ""},
		{"no table", good[strings.Index(good, "====== Perplexity"):], 0, ""},
		{"row lost", strings.Replace(good, row2, "", 1), 0, "chunk 3 where chunk 2 was due"},
		{"row twice", strings.Replace(good, row2, row2+row2, 1), 0, "chunk 2 where chunk 3 was due"},
		{"no running KLD", strings.Replace(good, "0.00311 ±", "   -nan ±", 1), 0, "has no running KLD"},
		{"another run", strings.Replace(good, "Mean    KLD:   0.003247", "Mean    KLD:   0.003270", 1), 0, "but it printed Mean KLD 0.00327"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseKLD(strings.NewReader(tt.out))
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(r.ChunkKLD) != tt.chunks {
				t.Fatalf("%d chunk KLDs, want %d", len(r.ChunkKLD), tt.chunks)
			}
		})
	}
	r, err := ParseKLD(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	// chunk 1 is the first running mean; chunk 2 is 2·0.00311 − 0.00308;
	// the chunks average to the last running mean, 0.00325
	c := r.ChunkKLD
	var sum float64
	for _, v := range c {
		sum += v
	}
	if math.Abs(c[0]-0.00308) > 1e-15 || math.Abs(c[1]-0.00314) > 1e-15 || math.Abs(sum/20-0.00325) > 1e-15 {
		t.Errorf("chunks %v (mean %v)", c[:2], sum/20)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestKLDEnginesAgree scores one quant against one base file with both
// engines: the per-chunk KLD that llama-perplexity's running means give
// back is the linked engine's exact one, within the rounding of the
// printed column ((2k−1)·5·10⁻⁶ at chunk k) and the two llama.cpp
// versions' last bits.
func TestKLDEnginesAgree(t *testing.T) {
	ext, err := NewExternal(llamacpptest.Dir(t, "to compare the KL-divergence engines with"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	model, text, quant, base := filepath.Join(tmp, "tiny.gguf"), filepath.Join(tmp, "eval.txt"), filepath.Join(tmp, "q.gguf"), filepath.Join(tmp, "base.kld")
	if err := synth.WriteFileContext(context.Background(), model, synth.Default()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(text, []byte(synthtest.Text(60)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ext.Quantize(context.Background(), QuantizeJob{Model: model, Output: quant, Type: "Q4_K_M", Threads: 2}); err != nil {
		t.Fatal(err)
	}
	j := PerplexityJob{Common: Common{Ctx: 64, Batch: 2048, Threads: 2, FlashAttn: "off"}, Model: model, Text: text, Chunks: 40}
	if err := (Linked{}).SaveKLDBase(context.Background(), j, base); err != nil {
		t.Fatal(err)
	}
	a, err := Linked{}.KLD(context.Background(), quant, base, j)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ext.KLD(context.Background(), quant, base, j)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.ChunkKLD) != 40 || len(e.ChunkKLD) != 40 {
		t.Fatalf("%d and %d chunk KLDs, want 40", len(a.ChunkKLD), len(e.ChunkKLD))
	}
	var worst, worstRel float64
	for i, x := range a.ChunkKLD {
		k := float64(i + 1)
		d := math.Abs(x - e.ChunkKLD[i])
		bound := (2*k-1)*5e-6 + 1e-4*x
		if d > bound {
			t.Errorf("chunk %d: linked %.7f, from llama-perplexity's table %.7f (|Δ| %.2g > %.2g)", i+1, x, e.ChunkKLD[i], d, bound)
		}
		worst = max(worst, d)
		worstRel = max(worstRel, d/((2*k-1)*5e-6))
	}
	t.Logf("mean KLD %.6f (linked) / %.6f (llama.cpp); per-chunk |Δ| at most %.2g, %.2f of the rounding bound", a.Stats["Mean KLD"].Value, e.Stats["Mean KLD"].Value, worst, worstRel)
}
