package democmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/mix"
)

func TestDemoEvalAndSweep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	io, _, out, _ := iostreams.Test()
	if err := demoRun(context.Background(), &Options{IO: io, Dir: dir, Workers: 2}, Steps()[:5]); err != nil { // the data steps
		t.Fatal(err)
	}
	// The eval set has exactly the English sample's size.
	like, err := os.Stat(filepath.Join(dir, "samples", "wikitext-sample.raw"))
	if err != nil {
		t.Fatal(err)
	}
	eval := filepath.Join(dir, "eval", "ja-wiki.test.raw")
	b, err := os.ReadFile(eval)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != like.Size() || !strings.HasPrefix(string(b), " \n") {
		t.Errorf("eval set: %d bytes, want %d in wikitext layout", len(b), like.Size())
	}
	em, err := manifest.Read(manifest.Path(eval))
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, id := range em.Extra["article_ids"].([]any) {
		used[id.(string)] = true
	}
	for _, p := range em.Extra["partial_articles"].([]any) {
		used[p.(map[string]any)["id"].(string)] = true
	}
	// Three mixes: English only, half, Japanese only; none uses an eval article.
	for _, sh := range demoSweepShares {
		p := filepath.Join(dir, "sweep", mix.ShareFileName(sh))
		m, err := manifest.Read(manifest.Path(p))
		if err != nil {
			t.Fatal(err)
		}
		srcs := m.Extra["sources"].([]any)
		ja := srcs[1].(map[string]any)
		if got := ja["share_bytes"].(float64); got < sh-0.1 || got > sh+0.1 {
			t.Errorf("%s: Japanese share %.3f", p, got)
		}
		ids, _ := ja["article_ids"].([]any)
		for _, id := range ids {
			if used[id.(string)] {
				t.Errorf("%s uses eval article %v", p, id)
			}
		}
	}
	if _, err := manifest.Read(filepath.Join(dir, "sweep", "sweep.manifest.json")); err != nil {
		t.Error(err)
	}
	// The three-language mix holds each language near its share, and no
	// article of either eval set.
	lm, err := manifest.Read(manifest.Path(filepath.Join(dir, "mix", "en-ja-zh.txt")))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range demoLangs {
		zm, err := manifest.Read(manifest.Path(filepath.Join(dir, "eval", l.Code+"-wiki.test.raw")))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range zm.Extra["article_ids"].([]any) {
			used[l.Code+":"+id.(string)] = true
		}
	}
	srcs, _ := lm.Extra["sources"].([]any)
	if len(srcs) != 3 {
		t.Fatalf("three-language mix: %d sources", len(srcs))
	}
	for _, sv := range srcs[1:] {
		src := sv.(map[string]any)
		name := src["name"].(string)
		if got, want := src["share_bytes"].(float64), demoLangShares[name]; got < want-0.05 || got > want+0.05 {
			t.Errorf("three-language mix: %s share %.3f, want %.2f", name, got, want)
		}
		ids, _ := src["article_ids"].([]any)
		for _, id := range ids {
			if used[name+":"+id.(string)] {
				t.Errorf("three-language mix uses %s eval article %v", name, id)
			}
		}
	}
	for _, want := range []string{"[3/5] Japanese and Chinese eval sets size-matched to the English sample", "[4/5] three-point sweep", "[5/5] three-language mix", "(deviation 0)", "share-0.5.txt"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDemoMixStepsNeedInputs(t *testing.T) {
	for _, st := range []Step{{Name: "eval", Run: buildEvalSet}, {Name: "sweep", Run: buildSweep}, {Name: "languages mix", Run: buildLanguagesMix}} {
		io, _, _, _ := iostreams.Test()
		err := demoRun(context.Background(), &Options{IO: io, Dir: t.TempDir(), Workers: 1}, []Step{st})
		if err == nil || !strings.Contains(err.Error(), "must run first") {
			t.Errorf("%s: error %v", st.Name, err)
		}
	}
}
