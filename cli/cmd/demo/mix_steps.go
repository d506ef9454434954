package democmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/mix"
)

// buildEvalSet cuts a Japanese and a Chinese eval set, each of exactly the
// English sample's size in bytes, in wiki.test.raw's layout. Keys:
// "eval.ja", "eval.zh".
func buildEvalSet(ctx context.Context, s *State) error {
	for _, l := range demoLangs {
		if err := buildLangEvalSet(ctx, s, l.Code); err != nil {
			return err
		}
	}
	return nil
}

func buildLangEvalSet(ctx context.Context, s *State, lang string) error {
	corpusPath, like := s.Files["corpus."+lang], s.Files["samples.wikitext"]
	if corpusPath == "" || like == "" {
		return fmt.Errorf("no corpus or English sample (the sample data and clean corpus steps must run first)")
	}
	out := filepath.Join(s.Dir, "eval", lang+"-wiki.test.raw")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	r, err := mix.MakeEval(ctx, mix.MakeEvalOptions{From: corpusPath, Like: like, Unit: mix.Bytes, Format: mix.Wikitext, Seed: 1, Output: out,
		Command: []string{"calibkit", "eval", "build", "--from", corpusPath, "--like", like, "-o", out}})
	if err != nil {
		return err
	}
	if r.Eval.Deviation != 0 {
		fmt.Fprintf(s.IO.ErrOut, "calibkit: warning: no exact fill exists: %s is %d %s short of %d (recorded in the manifest)\n",
			out, r.Eval.Deviation, mix.Bytes, r.Target)
	}
	s.Files["eval."+lang] = out
	m, err := manifest.Read(manifest.Path(out))
	if err != nil {
		return err
	}
	fmt.Fprintf(s.IO.Out, "      %s: %v bytes, %v chars, %v sentences from %v whole and %v partial articles (deviation %v)\n",
		s.rel(out), m.Counts["bytes"], m.Counts["chars"], m.Counts["sentences"], m.Counts["articles"], m.Counts["partial_articles"], m.Extra["deviation"])
	if lang == demoLangs[len(demoLangs)-1].Code {
		l, _ := m.Extra["like"].(map[string]any)
		fmt.Fprintf(s.IO.Out, "      %s: %v bytes, %v chars, %v sentences (the size both match)\n", s.rel(like), l["bytes"], l["chars"], l["sentences"])
	}
	fmt.Fprintf(s.IO.Out, "      manifest: %s\n", s.rel(manifest.Path(out)))
	return nil
}

// demoSweepShares and demoSweepTotal size the demo's sweep to the sample
// data: mixes of 1200 bytes with no, half and only Japanese text, in blocks
// of 32 tokens (about 128 bytes) so the interleaving shows.
var (
	demoSweepShares = []float64{0, 0.5, 1}
	demoSweepTotal  = int64(1200)
)

// buildSweep mixes the English sample with Japanese corpus text at three
// shares, leaving out the eval set's articles. Keys: "sweep" (the folder)
// and Inputs["sweep.mixes"] (the mixes, by increasing share).
func buildSweep(ctx context.Context, s *State) error {
	corpusPath, base, eval := s.Files["corpus.ja"], s.Files["samples.wikitext"], s.Files["eval.ja"]
	if corpusPath == "" || base == "" || eval == "" {
		return fmt.Errorf("no corpus, English sample or eval set (the earlier steps must run first)")
	}
	dir := filepath.Join(s.Dir, "sweep")
	opts := mix.MakeSweepOptions{Base: base, Add: mix.Source{Name: "ja", Corpus: corpusPath},
		Shares: demoSweepShares, Total: demoSweepTotal, Unit: mix.Bytes, Chunk: 32, Seed: 1, Nested: true,
		Exclude: []string{manifest.Path(eval)}, Eval: eval, Dir: dir, Warn: s.IO.ErrOut,
		Command: []string{"calibkit", "sweep", "--base", base, "--add", "ja=" + corpusPath, "--shares", "0,0.5,1",
			"--total", "1200", "--chunk-tokens", "32", "--nested", "--exclude", manifest.Path(eval), "--eval", eval, "-o", dir}}
	if _, err := mix.MakeSweep(ctx, opts); err != nil {
		return err
	}
	s.Files["sweep"] = dir
	var mixes []string
	for _, sh := range demoSweepShares {
		p := filepath.Join(dir, mix.ShareFileName(sh))
		m, err := manifest.Read(manifest.Path(p))
		if err != nil {
			return err
		}
		mixes = append(mixes, p)
		ja := "0.0%"
		if srcs, ok := m.Extra["sources"].([]any); ok && len(srcs) == 2 {
			if src, ok := srcs[1].(map[string]any); ok {
				ja = fmt.Sprintf("%.1f%%", 100*src["share_bytes"].(float64))
			}
		}
		fmt.Fprintf(s.IO.Out, "      %-22s %5v bytes, Japanese %6s of the bytes, %v blocks\n", s.rel(p), m.Counts["bytes"], ja, m.Counts["blocks"])
	}
	s.Inputs["sweep.mixes"] = mixes
	fmt.Fprintf(s.IO.Out, "      manifest: %s (eval-set articles excluded, 13-gram overlap checked)\n", s.rel(filepath.Join(dir, mix.SweepManifestName)))
	return nil
}
