package democmd

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/calibkit/calibkit/corpus"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/sample"
)

// demoLangs are the sample's Wikipedia languages, in the order the demo
// builds them, with their names for the printed lines.
var demoLangs = []struct{ Code, Name string }{{"ja", "Japanese"}, {"zh", "Chinese"}}

// extractSamples writes the embedded sample files to DIR/samples.
// Keys: "samples.ja" and "samples.zh" (the shards, in Inputs),
// "samples.wikitext".
func extractSamples(_ context.Context, s *State) error {
	dir := filepath.Join(s.Dir, "samples")
	ja, err := sample.WriteTo(dir, sample.Shards()...)
	if err != nil {
		return err
	}
	zh, err := sample.WriteTo(dir, sample.ShardsZh()...)
	if err != nil {
		return err
	}
	wt, err := sample.WriteTo(dir, sample.Wikitext)
	if err != nil {
		return err
	}
	s.Inputs["samples.ja"], s.Inputs["samples.zh"] = ja, zh
	s.Files["samples.wikitext"] = wt[0]
	for _, p := range append(append(ja, zh...), wt...) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.IO.Out, "      %-40s %7d bytes\n", s.rel(p), fi.Size())
	}
	return nil
}

// buildCorpus runs the corpus build on each language's shards. Keys:
// "corpus.ja", "corpus.zh".
func buildCorpus(ctx context.Context, s *State) error {
	for _, l := range demoLangs {
		if err := buildLangCorpus(ctx, s, l.Code, l.Name); err != nil {
			return err
		}
	}
	return nil
}

func buildLangCorpus(ctx context.Context, s *State, lang, name string) error {
	shards := s.Inputs["samples."+lang]
	if len(shards) == 0 {
		return fmt.Errorf("no %s sample shards (the sample data step must run first)", name)
	}
	out := filepath.Join(s.Dir, "corpus", lang+"-wiki.txt")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	opts, err := corpus.OptionsFor(lang)
	if err != nil {
		return err
	}
	opts.Workers = s.Workers
	cmd := append([]string{"calibkit", "corpus", "build"}, shards...)
	cmd = append(cmd, "--lang", lang, "-o", out)
	st, err := corpus.Build(ctx, shards, out, cmd, opts)
	if err != nil {
		return err
	}
	s.Files["corpus."+lang] = out
	r := st.Removed
	fmt.Fprintf(s.IO.Out, "      %s: %d sentences in %d articles, %d characters\n", s.rel(out), st.Sentences, st.DocumentsWritten, st.Characters)
	fmt.Fprintf(s.IO.Out, "      removed: %d trailing sections, %d empty brackets, %d non-%s lines, %d duplicate sentences\n",
		r.TrailingSectionDocs, r.EmptyBrackets, r.NonJapaneseLines+r.OtherScriptLines+r.OtherLanguageLines, name, r.Duplicates)
	fmt.Fprintf(s.IO.Out, "      manifest: %s\n", s.rel(manifest.Path(out)))
	f, err := os.Open(out)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 0; i < 2 && sc.Scan(); i++ {
		fmt.Fprintf(s.IO.Out, "      | %s\n", sc.Text())
	}
	return sc.Err()
}
