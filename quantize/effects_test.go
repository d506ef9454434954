package quantize_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/perplexity"
	"github.com/calibkit/calibkit/quantize"
	"github.com/calibkit/calibkit/study/results"
	"github.com/calibkit/calibkit/train/traintest"
)

// TestImatrixEffectsOnTrainedModel checks, on a model that has learned
// Japanese and English Wikipedia text (the demo's, trained once per test
// binary and cached), the effects an importance matrix really has, through
// the paired interval of mean KL divergence against the unquantized model:
//
//   - at Q2_K, an imatrix from the eval text's language lowers mean KLD
//     against no imatrix, on both languages;
//   - at IQ2_XS, an imatrix from Japanese text lowers KLD on Japanese text
//     against one from English text, and the reverse on English text.
//
// They fail if the imatrix is ignored, normalized wrongly or applied to the
// wrong tensors: random weights cannot show any of this.
func TestImatrixEffectsOnTrainedModel(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model (a minute or two) unless cached; skipped with -short")
	}
	fx := traintest.Model(t)
	ctx := context.Background()
	dir := t.TempDir()
	const nctx = 256

	ims := map[string]string{}
	for _, lang := range []string{"en", "ja"} {
		out := filepath.Join(dir, lang+".imatrix.gguf")
		_, err := imatrix.Run(ctx, imatrix.RunOptions{Model: fx.Model, File: fx.Texts["calib-"+lang], Output: out,
			Format: imatrix.FormatGGUF, CtxSize: nctx, BatchSize: nctx, UBatchSize: nctx, Chunks: 40, NoPPL: true, OutFreq: 1000, Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		ims[lang] = out
	}

	base, err := llama.LoadModel(fx.Model, llama.ModelParams{})
	if err != nil {
		t.Fatal(err)
	}
	evals := map[string]string{}
	for _, lang := range []string{"en", "ja"} {
		b, err := os.ReadFile(fx.Texts["eval-"+lang])
		if err != nil {
			t.Fatal(err)
		}
		evals[lang] = string(b)
		kb := filepath.Join(dir, lang+".kld")
		if _, err := perplexity.Run(ctx, base, evals[lang], perplexity.Options{NCtx: nctx, SaveBase: kb, FlashAttn: llama.FlashAttnOff, Threads: 1}); err != nil {
			t.Fatal(err)
		}
	}
	base.Close()

	// kld[type][imatrix][eval] is the per-chunk mean KLD.
	kld := map[string]map[string]map[string][]float64{}
	for _, c := range []struct {
		typ     string
		sources []string
	}{{"Q2_K", []string{"none", "en", "ja"}}, {"IQ2_XS", []string{"en", "ja"}}} {
		kld[c.typ] = map[string]map[string][]float64{}
		for _, src := range c.sources {
			out := filepath.Join(dir, c.typ+"-"+src+".gguf")
			if _, err := quantize.Run(ctx, quantize.Options{Input: fx.Model, Output: out, Type: c.typ, Imatrix: ims[src]}); err != nil {
				t.Fatal(err)
			}
			q, err := llama.LoadModel(out, llama.ModelParams{})
			if err != nil {
				t.Fatal(err)
			}
			kld[c.typ][src] = map[string][]float64{}
			for _, lang := range []string{"en", "ja"} {
				r, err := perplexity.Run(ctx, q, evals[lang], perplexity.Options{KLDBase: filepath.Join(dir, lang+".kld"), FlashAttn: llama.FlashAttnOff, Threads: 1})
				if err != nil {
					t.Fatal(err)
				}
				kld[c.typ][src][lang] = r.KLD.ChunkKLD
			}
			q.Close()
		}
	}

	lower := func(what string, cell, ref []float64) {
		t.Helper()
		p, err := results.RatioOfMeans(cell, ref)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: mean KLD %s", what, p)
		if !(p.Bounded() && p.Hi < 1) {
			t.Errorf("%s: mean KLD ratio %s, want an interval below 1", what, p)
		}
	}
	lower("Q2_K, English text, English imatrix against none", kld["Q2_K"]["en"]["en"], kld["Q2_K"]["none"]["en"])
	lower("Q2_K, Japanese text, Japanese imatrix against none", kld["Q2_K"]["ja"]["ja"], kld["Q2_K"]["none"]["ja"])
	lower("IQ2_XS, Japanese text, Japanese imatrix against English", kld["IQ2_XS"]["ja"]["ja"], kld["IQ2_XS"]["en"]["ja"])
	lower("IQ2_XS, English text, English imatrix against Japanese", kld["IQ2_XS"]["en"]["en"], kld["IQ2_XS"]["ja"]["en"])
}
