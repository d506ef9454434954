package mix

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/calibkit/calibkit/internal/manifest"
)

func TestSplitTarget(t *testing.T) {
	for _, tt := range []struct {
		target int64
		shares []float64
		want   string
	}{
		{100, []float64{0.5, 0.5}, "[50 50]"},
		{101, []float64{0.5, 0.5}, "[51 50]"},
		{10, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, "[4 3 3]"},
		{1290590, []float64{0.3, 0.7}, "[387177 903413]"},
	} {
		if got := fmt.Sprint(splitTarget(tt.target, tt.shares)); got != tt.want {
			t.Errorf("splitTarget(%d, %v) = %s, want %s", tt.target, tt.shares, got, tt.want)
		}
	}
}

func TestMakeEvalLanguages(t *testing.T) {
	ja := newLangCorpus(t, "ja", 71, 300)
	zh := newLangCorpus(t, "zh", 72, 300)
	ko := newLangCorpus(t, "ko", 73, 300)
	for _, tt := range []struct {
		corpora []langCorpus
		shares  []float64
		target  int64
		unit    Unit
		format  Format
	}{
		{[]langCorpus{ja, zh}, []float64{0.5, 0.5}, 120_000, Bytes, Wikitext},
		{[]langCorpus{ja, zh}, []float64{0.3, 0.7}, 100_001, Bytes, Plain},
		{[]langCorpus{ja, zh, ko}, []float64{0.5, 0.3, 0.2}, 50_000, Chars, Wikitext},
	} {
		t.Run(fmt.Sprintf("%d languages %s", len(tt.corpora), tt.unit), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "eval.raw")
			opts := MakeEvalOptions{Shares: map[string]float64{}, Target: tt.target, Unit: tt.unit, Format: tt.format, Seed: 5, Output: out}
			for i, c := range tt.corpora {
				opts.Sources = append(opts.Sources, Source{Name: c.name, Corpus: c.path})
				opts.Shares[c.name] = tt.shares[i]
			}
			r, err := MakeEval(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			text, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			size := int64(len(text))
			if tt.unit == Chars {
				size = int64(utf8.RuneCount(text))
			}
			if size != tt.target || r.Eval.Deviation != 0 {
				t.Errorf("%d %s (deviation %d), want exactly %d", size, tt.unit, r.Eval.Deviation, tt.target)
			}
			targets := splitTarget(tt.target, tt.shares)
			var bytesSum int64
			for i, p := range r.Parts {
				if p.Name != tt.corpora[i].name || p.Target != targets[i] || p.Achieved != targets[i] || p.Counts == nil || p.CorpusSHA256 == "" {
					t.Errorf("part %d: %+v, want %s with %d", i, p, tt.corpora[i].name, targets[i])
					continue
				}
				bytesSum += p.Counts.Bytes
				// Each part's sentences are its corpus's.
				for l := range strings.SplitSeq(p.text, "\n") {
					l = strings.TrimSpace(l)
					if l == "" || strings.HasPrefix(l, "= ") {
						continue
					}
					for _, o := range tt.corpora {
						if o.name != p.Name && o.sentences[l] && !tt.corpora[i].sentences[l] {
							t.Fatalf("part %s holds %s's sentence %q", p.Name, o.name, l)
						}
					}
				}
			}
			if bytesSum != int64(len(text)) {
				t.Errorf("the parts hold %d bytes, the file %d", bytesSum, len(text))
			}
			// Interleaved: every language's first article comes within
			// the first tenth of the file.
			for _, p := range r.Parts {
				if at := strings.Index(string(text), firstSentence(p.text)); at < 0 || at > len(text)/10 {
					t.Errorf("%s's first article starts at byte %d of %d", p.Name, at, len(text))
				}
			}
			if r.MaxPrefixError > 0.1 {
				t.Errorf("prefix error %.3f", r.MaxPrefixError)
			}
		})
	}
}

// firstSentence returns the first line of an article's text that is not a
// heading or blank.
func firstSentence(text string) string {
	for l := range strings.SplitSeq(text, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "=") {
			if len(l) > 20 {
				return l[:18]
			}
			return l
		}
	}
	return "\x00"
}

// A mix excludes a several-language eval set's articles per language.
func TestEvalLanguagesExcludedPerLanguage(t *testing.T) {
	ja := newLangCorpus(t, "ja", 81, 200)
	zh := newLangCorpus(t, "zh", 82, 200)
	dir := t.TempDir()
	evalOut := filepath.Join(dir, "eval.raw")
	r, err := MakeEval(context.Background(), MakeEvalOptions{Sources: []Source{{Name: "ja", Corpus: ja.path}, {Name: "zh", Corpus: zh.path}},
		Shares: map[string]float64{"ja": 0.5, "zh": 0.5}, Target: 80_000, Unit: Bytes, Seed: 2, Output: evalOut})
	if err != nil {
		t.Fatal(err)
	}
	used := []IDSet{{}, {}}
	for i, p := range r.Parts {
		used[i].Add(p.Articles...)
		for _, pa := range p.Partial {
			used[i].Add(pa.ID)
		}
	}
	lists, err := ReadExcludeLists(manifest.Path(evalOut))
	if err != nil || len(lists) != 2 || lists[0].CorpusSHA256 == "" || len(lists[1].IDs) != len(used[1]) {
		t.Fatalf("lists %v, %v", lists, err)
	}
	basePath, _ := writeBase(t, 9, 2000)
	m, err := MakeMix(context.Background(), MakeMixOptions{Base: basePath, Adds: []Source{{Name: "ja", Corpus: ja.path}, {Name: "zh", Corpus: zh.path}},
		Shares: map[string]float64{"ja": 0.4, "zh": 0.4}, Total: 100_000, Unit: Bytes, Seed: 1, Exclude: []string{manifest.Path(evalOut)},
		Output: filepath.Join(dir, "mix.txt")})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		for _, id := range m.Mix.Sources[i+1].Articles {
			if used[i].Has(id) {
				t.Errorf("%s article %s of the eval set is in the mix", m.Mix.Sources[i+1].Name, id)
			}
		}
	}
	// Each language leaves out its own eval articles, not the other's.
	ex := ExcludeFor(lists, []string{r.Parts[0].CorpusSHA256, r.Parts[1].CorpusSHA256})
	for i := range 2 {
		if len(ex[i]) != len(used[i]) {
			t.Errorf("language %d leaves out %d articles, its eval part used %d", i, len(ex[i]), len(used[i]))
		}
		for id := range used[i] {
			if !ex[i].Has(id) {
				t.Errorf("language %d does not leave out its eval article %s", i, id)
			}
		}
	}
}

func TestEvalLanguagesBadInput(t *testing.T) {
	ja := newLangCorpus(t, "ja", 91, 100)
	zh := newLangCorpus(t, "zh", 92, 3)
	srcs := func(a, b float64) []EvalSource {
		return []EvalSource{{Name: "ja", Pool: openPool(t, ja.path), Share: a}, {Name: "zh", Pool: openPool(t, zh.path), Share: b}}
	}
	for _, tt := range []struct {
		name string
		srcs []EvalSource
		opts EvalOptions
		want string
	}{
		{"shares under 1", srcs(0.5, 0.4), EvalOptions{Target: 1000, Unit: Bytes}, "sum to 0.9"},
		{"zero share", srcs(1, 0), EvalOptions{Target: 1000, Unit: Bytes}, "share of zh is 0"},
		{"tokens", srcs(0.5, 0.5), EvalOptions{Target: 1000, Unit: Tokens}, "bytes or chars"},
		{"too small", srcs(0.5, 0.5), EvalOptions{Target: 100_000, Unit: Bytes}, "language zh (share 0.5, 50000 bytes): corpus " + zh.path + " holds"},
	} {
		_, err := BuildEvalLanguages(context.Background(), tt.srcs, &strings.Builder{}, tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

// FuzzParseExcludeLists: any bytes give lists with sets, or an error,
// never a panic; an accepted one-corpus manifest gives one list.
func FuzzParseExcludeLists(f *testing.F) {
	f.Add([]byte(`{"parameters":{"from":"ja.jsonl"},"inputs":[{"path":"ja.jsonl","sha256":"ab"}],"extra":{"article_ids":["1"],"partial_articles":[{"id":"2"}]}}`))
	f.Add([]byte(`{"extra":{"article_ids":["1"],"languages":[{"name":"ja","corpus_sha256":"ab","article_ids":["1"]},{"name":"zh","article_ids":["1"],"partial_articles":[{"id":"3"}]}]}}`))
	f.Add([]byte(`{"extra":{"article_ids":[],"languages":null}}`))
	f.Add([]byte(`{"parameters":{"from":[1]},"extra":{"article_ids":["1"]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ls, err := parseExcludeLists("m.json", b)
		if err != nil {
			return
		}
		if len(ls) == 0 {
			t.Fatal("an accepted manifest gave no list")
		}
		for _, l := range ls {
			if l.IDs == nil || l.Manifest != "m.json" {
				t.Fatalf("list %+v", l)
			}
		}
	})
}
