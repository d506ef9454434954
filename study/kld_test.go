package study

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/study/results"
)

// TestRunKLDLinked runs a study with a KL-divergence base in the linked
// engine: every record holds its per-chunk KLD, the KLD table pairs each
// cell with the baseline, and the forest charts are drawn. Q8_0 ignores
// the imatrix, so en's Q8_0 cell is the baseline's quant and its ratio is
// exactly ×1 [1, 1].
func TestRunKLDLinked(t *testing.T) {
	dir, s := fixture(t, `imatrix:
  - none
  - {name: en, text: en.raw}
variants:
  - M
  - {name: q8, type: Q8_0}
eval:
  - {name: en, file: en.raw}
settings:
  ctx: 64
  threads: 2
  kld_base: $MODEL
`)
	out := filepath.Join(dir, "out")
	res, err := Run(context.Background(), Options{Spec: s, Dir: out})
	if err != nil {
		t.Fatalf("%v %+v", err, res.Failed)
	}
	if len(res.Records) != 4 {
		t.Fatalf("%d records", len(res.Records))
	}
	for _, r := range res.Records {
		if len(r.ChunkKLD) != len(r.ChunkNLL) || len(r.ChunkKLD) < 2 {
			t.Fatalf("%s: %d chunk KLDs for %d chunks", r.Cell, len(r.ChunkKLD), len(r.ChunkNLL))
		}
		var sum float64
		for _, v := range r.ChunkKLD {
			sum += v
		}
		if m, want := sum/float64(len(r.ChunkKLD)), r.KLD["Mean KLD"].Value; math.Abs(m-want) > 1e-9*want {
			t.Errorf("%s: chunk KLDs average %v, Mean KLD %v", r.Cell, m, want)
		}
	}
	kcmp := results.CompareKLD(res.Records)
	q8, m := kcmp["en/q8/en"], kcmp["en/M/en"]
	if len(kcmp) != 2 || q8.Ratio != 1 || q8.Lo != 1 || q8.Hi != 1 || q8.Significant() || !m.Bounded() || m.Ratio <= 0 {
		t.Errorf("KLD comparisons %+v", kcmp)
	}
	md, err := os.ReadFile(filepath.Join(out, "results.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Records {
		if c, _ := results.KLDCell(r, kcmp); !strings.Contains(string(md), "| "+r.Variant+" | "+r.Source+" | "+c+" |") {
			t.Errorf("results.md lacks %s's KLD cell %q:\n%s", r.Cell, c, md)
		}
	}
	for _, f := range []string{"chart-en.png", "chart-paired-ppl-en.png", "chart-paired-kld-en.png"} {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() < 1000 {
			t.Errorf("%s: %v", f, err)
		}
	}
	t.Logf("M: mean KLD ratio %s", m)
}
