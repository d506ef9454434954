package democmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/manifest"
)

// demoCtx is the imatrix chunk size of the demo: the sample mixes hold a
// few hundred tokens, and llama-imatrix needs at least two chunks.
const demoCtx = 64

// mixResult is one row of the demo's summary table.
type mixResult struct {
	mix      string
	share    string
	bytes    any
	tokens   int
	chunks   int
	ppl      *float64
	pplErr   *float64
	imatrix  string
	cosine   float64 // mean over weights, against the English-only mix
	spearman float64
}

// imatrixPerMix computes an importance matrix for each sweep mix with
// llama.cpp, as `calibkit imatrix -m model -f mix -c 64` does, then prints
// a table: tokens, chunks, perplexity, and how far each imatrix moved from
// the English-only one.
func imatrixPerMix(ctx context.Context, s *State) error {
	model, mixes := s.Files["model"], s.Inputs["sweep.mixes"]
	if model == "" || len(mixes) == 0 {
		return fmt.Errorf("no model or sweep mixes (the earlier steps must run first)")
	}
	dir := filepath.Join(s.Dir, "imatrix")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var rows []mixResult
	var base *imatrix.Data
	for _, mixPath := range mixes {
		name := strings.TrimSuffix(filepath.Base(mixPath), filepath.Ext(mixPath))
		out := filepath.Join(dir, name+".gguf")
		sum, err := imatrix.Run(ctx, imatrix.RunOptions{Model: model, File: mixPath, Output: out, Format: imatrix.FormatGGUF,
			CtxSize: demoCtx, BatchSize: 2048, UBatchSize: 512, Chunks: -1, OutFreq: 10, Threads: s.Threads,
			Command: []string{"calibkit", "imatrix", "-m", model, "-f", mixPath, "-c", fmt.Sprint(demoCtx), "-o", out}})
		if err != nil {
			return err
		}
		m, err := manifest.Read(manifest.Path(mixPath))
		if err != nil {
			return err
		}
		d, err := imatrix.ReadFile(out)
		if err != nil {
			return err
		}
		r := mixResult{mix: s.rel(mixPath), share: strings.TrimPrefix(name, "share-"), bytes: m.Counts["bytes"],
			tokens: sum.TextTokens, chunks: sum.ChunkCount, ppl: sum.PPL, pplErr: sum.PPLError, imatrix: s.rel(out)}
		if base == nil {
			base = d
		}
		cmp, err := imatrix.Compare(ctx, base, d, "base", name)
		if err != nil {
			return err
		}
		for _, w := range cmp.Weights {
			r.cosine += w.Cosine / float64(len(cmp.Weights))
			r.spearman += w.Spearman / float64(len(cmp.Weights))
		}
		rows = append(rows, r)
	}
	s.Inputs["imatrix"] = nil
	fmt.Fprintf(s.IO.Out, "      %-8s %6s %7s %7s %16s %12s %12s  %s\n", "share ja", "bytes", "tokens", "chunks", "PPL (mix)", "cos vs 0", "spearman", "imatrix")
	for _, r := range rows {
		ppl := "n/a"
		if r.ppl != nil {
			ppl = fmt.Sprintf("%.2f", *r.ppl)
			if r.pplErr != nil {
				ppl += fmt.Sprintf(" ± %.2f", *r.pplErr)
			}
		}
		fmt.Fprintf(s.IO.Out, "      %-8s %6v %7d %7d %16s %12.4f %12.4f  %s\n", r.share, r.bytes, r.tokens, r.chunks, ppl, r.cosine, r.spearman, r.imatrix)
		s.Inputs["imatrix"] = append(s.Inputs["imatrix"], filepath.Join(s.Dir, r.imatrix))
	}
	fmt.Fprintf(s.IO.Out, "      (cos/spearman: mean over weights of each imatrix against the English-only one; -c %d)\n", demoCtx)
	return nil
}
