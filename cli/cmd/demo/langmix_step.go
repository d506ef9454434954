package democmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/mix"
)

// demoLangShares and demoLangTotal size the demo's several-language mix:
// 1200 bytes of the English sample with 30% Japanese and 20% Chinese text.
var (
	demoLangShares = map[string]float64{"ja": 0.3, "zh": 0.2}
	demoLangTotal  = int64(1200)
)

// buildLanguagesMix mixes the English sample with Japanese and Chinese
// corpus text at fixed shares of the bytes, leaving out both eval sets'
// articles, as `calibkit mix --add ja=… --add zh=… --share ja=0.3,zh=0.2`
// does. Key: "mix.languages".
func buildLanguagesMix(ctx context.Context, s *State) error {
	base := s.Files["samples.wikitext"]
	opts := mix.MakeMixOptions{Base: base, Shares: demoLangShares, Total: demoLangTotal, Unit: mix.Bytes, Chunk: 32, Seed: 1, Warn: s.IO.ErrOut,
		Output: filepath.Join(s.Dir, "mix", "en-ja-zh.txt")}
	opts.Command = []string{"calibkit", "mix", "--base", base}
	for _, l := range demoLangs {
		c, e := s.Files["corpus."+l.Code], s.Files["eval."+l.Code]
		if c == "" || e == "" || base == "" {
			return fmt.Errorf("no %s corpus, eval set or English sample (the earlier steps must run first)", l.Name)
		}
		opts.Adds = append(opts.Adds, mix.Source{Name: l.Code, Corpus: c})
		opts.Exclude = append(opts.Exclude, manifest.Path(e))
		opts.Command = append(opts.Command, "--add", l.Code+"="+c)
	}
	opts.Command = append(opts.Command, "--share", "ja=0.3,zh=0.2", "--total", "1200", "--chunk-tokens", "32")
	for _, e := range opts.Exclude {
		opts.Command = append(opts.Command, "--exclude", e)
	}
	opts.Command = append(opts.Command, "-o", opts.Output)
	if err := os.MkdirAll(filepath.Dir(opts.Output), 0o755); err != nil {
		return err
	}
	r, err := mix.MakeMix(ctx, opts)
	if err != nil {
		return err
	}
	s.Files["mix.languages"] = r.Output
	fmt.Fprintf(s.IO.Out, "      %s: %d bytes in %d blocks (eval-set articles of both languages excluded)\n", s.rel(r.Output), r.Mix.Total, r.Mix.Blocks)
	for _, src := range r.Mix.Sources {
		if src.Name == base {
			src.Name = "en"
		}
		fmt.Fprintf(s.IO.Out, "        %-6s target %5.1f%%  got %5.1f%% of the bytes (%d)\n", src.Name, 100*src.TargetShare, 100*src.ShareBytes, src.Bytes)
	}
	fmt.Fprintf(s.IO.Out, "      manifest: %s\n", s.rel(manifest.Path(r.Output)))
	return nil
}
