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

// extractSamples writes the embedded sample files to DIR/samples.
// Keys: "samples.ja" (the shards, in Inputs), "samples.wikitext".
func extractSamples(_ context.Context, s *State) error {
	dir := filepath.Join(s.Dir, "samples")
	shards, err := sample.WriteTo(dir, sample.Shards()...)
	if err != nil {
		return err
	}
	wt, err := sample.WriteTo(dir, sample.Wikitext)
	if err != nil {
		return err
	}
	s.Inputs["samples.ja"] = shards
	s.Files["samples.wikitext"] = wt[0]
	for _, p := range append(shards, wt...) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(s.IO.Out, "      %-40s %7d bytes\n", s.rel(p), fi.Size())
	}
	return nil
}

// buildCorpus runs the corpus build on the Japanese shards. Key:
// "corpus.ja".
func buildCorpus(ctx context.Context, s *State) error {
	shards := s.Inputs["samples.ja"]
	if len(shards) == 0 {
		return fmt.Errorf("no sample shards (the sample data step must run first)")
	}
	out := filepath.Join(s.Dir, "corpus", "ja-wiki.txt")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	opts := corpus.DefaultOptions()
	opts.Clean.Lang = "ja"
	opts.Workers = s.Workers
	cmd := append([]string{"calibkit", "corpus", "build"}, shards...)
	cmd = append(cmd, "--lang", "ja", "-o", out)
	st, err := corpus.Build(ctx, shards, out, cmd, opts)
	if err != nil {
		return err
	}
	s.Files["corpus.ja"] = out
	r := st.Removed
	fmt.Fprintf(s.IO.Out, "      %s: %d sentences in %d articles, %d characters\n", s.rel(out), st.Sentences, st.DocumentsWritten, st.Characters)
	fmt.Fprintf(s.IO.Out, "      removed: %d trailing sections, %d empty brackets, %d non-Japanese lines, %d duplicate sentences\n",
		r.TrailingSectionDocs, r.EmptyBrackets, r.NonJapaneseLines, r.Duplicates)
	fmt.Fprintf(s.IO.Out, "      manifest: %s\n", s.rel(manifest.Path(out)))
	f, err := os.Open(out)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for i := 0; i < 3 && sc.Scan(); i++ {
		fmt.Fprintf(s.IO.Out, "      | %s\n", sc.Text())
	}
	return sc.Err()
}
