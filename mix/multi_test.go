package mix

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/calibkit/calibkit/internal/manifest"
)

// langCorpus is a generated corpus of one test language and the set of
// its sentences, to tell which source a mix line came from.
type langCorpus struct {
	name, path string
	sentences  map[string]bool
}

func newLangCorpus(t *testing.T, name string, seed uint64, n int) langCorpus {
	t.Helper()
	syl := map[string][]string{"ja": syllables, "zh": zhSyllables, "ko": koSyllables}[name]
	c := langCorpus{name: name, path: writeJSONLFrom(t, seed, n, syl), sentences: map[string]bool{}}
	for _, a := range genArticlesFrom(seed, n, syl) {
		for l := range strings.SplitSeq(a.Text, "\n") {
			if l != "" {
				c.sentences[strings.TrimSpace(l)] = true
			}
		}
	}
	return c
}

// writeBase writes generated base lines to a file.
func writeBase(t *testing.T, seed uint64, n int) (string, map[string]bool) {
	t.Helper()
	lines := genBase(seed, n)
	set := map[string]bool{}
	for _, l := range lines {
		set[l] = true
	}
	p := filepath.Join(t.TempDir(), "base.txt")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, set
}

// measured is what an independent pass over a mix finds per source
// (index 0 the base, then the corpora in order).
type measured struct {
	bytes, chars []int64
	lines        []int
	// worst is the largest distance of a source's share (in the unit) from
	// want over every prefix of at least minPrefix bytes, measured at line
	// ends.
	worst float64
}

func measureMix(t *testing.T, text string, base map[string]bool, cs []langCorpus, unit Unit, want []float64, minPrefix int64) measured {
	t.Helper()
	n := len(cs) + 1
	m := measured{bytes: make([]int64, n), chars: make([]int64, n), lines: make([]int, n)}
	emitted := make([]int64, n)
	var all, allBytes int64
	for l := range strings.SplitAfterSeq(text, "\n") {
		if l == "" {
			continue
		}
		line := strings.TrimSuffix(l, "\n")
		src := -1
		if base[line] {
			src = 0
		}
		for i, c := range cs {
			if src < 0 && c.sentences[line] {
				src = i + 1
			}
		}
		if src < 0 {
			t.Fatalf("line %q is from no source", line)
		}
		b, c := int64(len(l)), int64(utf8.RuneCountInString(l))
		m.bytes[src] += b
		m.chars[src] += c
		m.lines[src]++
		cost := b
		if unit == Chars {
			cost = c
		}
		emitted[src] += cost
		all += cost
		allBytes += b
		if allBytes >= minPrefix {
			for i := range emitted {
				m.worst = math.Max(m.worst, math.Abs(float64(emitted[i])/float64(all)-want[i]))
			}
		}
	}
	return m
}

func TestMakeMixLanguages(t *testing.T) {
	ja := newLangCorpus(t, "ja", 21, 400)
	zh := newLangCorpus(t, "zh", 22, 400)
	ko := newLangCorpus(t, "ko", 23, 400)
	basePath, baseSet := writeBase(t, 5, 3000)
	for _, tt := range []struct {
		name    string
		corpora []langCorpus
		shares  []float64
		total   int64
		unit    Unit
	}{
		{"ja+zh bytes", []langCorpus{ja, zh}, []float64{0.3, 0.2}, 100_000, Bytes},
		{"ja+zh small and large", []langCorpus{ja, zh}, []float64{0.05, 0.6}, 90_000, Bytes},
		{"ja+zh+ko bytes", []langCorpus{ja, zh, ko}, []float64{0.3, 0.2, 0.1}, 120_000, Bytes},
		{"ja+zh+ko chars", []langCorpus{ja, zh, ko}, []float64{0.25, 0.25, 0.25}, 60_000, Chars},
		{"ja+zh+ko no base", []langCorpus{ja, zh, ko}, []float64{0.5, 0.3, 0.2}, 80_000, Bytes},
	} {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("%s seed %d", tt.name, seed), func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "mix.txt")
				opts := MakeMixOptions{Base: basePath, Shares: map[string]float64{}, Total: tt.total + 7919*int64(seed), Unit: tt.unit, Chunk: 512, Seed: seed, Output: out}
				tt := tt
				tt.total = opts.Total
				want := []float64{1}
				for i, c := range tt.corpora {
					opts.Adds = append(opts.Adds, Source{Name: c.name, Corpus: c.path})
					opts.Shares[c.name] = tt.shares[i]
					want[0] -= tt.shares[i]
					want = append(want, tt.shares[i])
				}
				r, err := MakeMix(context.Background(), opts)
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
				if want[0] > 1e-9 && size != tt.total {
					t.Errorf("%d %s, want exactly %d", size, tt.unit, tt.total)
				} else if d := math.Abs(float64(size-tt.total)) / float64(tt.total); d > 0.005 {
					t.Errorf("%d %s, %.2f%% off %d", size, tt.unit, 100*d, tt.total)
				}
				// Ten blocks per language: blocks are at most BlockSize
				// bytes (no sentence here is longer), so a prefix of that many
				// blocks' bytes spans at least that many blocks.
				if r.Mix.PrefixBlocks != 10*len(tt.corpora) {
					t.Errorf("prefix blocks %d for %d languages", r.Mix.PrefixBlocks, len(tt.corpora))
				}
				minPrefix := int64(r.Mix.PrefixBlocks) * r.Mix.BlockSize
				m := measureMix(t, string(text), baseSet, tt.corpora, tt.unit, want, minPrefix)
				if m.worst > 0.05+1e-9 {
					t.Errorf("a prefix of %d blocks or more is %.1f points off a share", r.Mix.PrefixBlocks, 100*m.worst)
				}
				if r.Mix.MaxPrefixError > 0.05+1e-9 {
					t.Errorf("reported prefix error %.3f", r.Mix.MaxPrefixError)
				}
				// The manifest counts each language as the independent pass does.
				var man struct {
					Extra struct {
						Sources      []SourceStats `json:"sources"`
						PrefixBlocks int           `json:"prefix_blocks"`
					} `json:"extra"`
				}
				b, err := os.ReadFile(manifest.Path(out))
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(b, &man); err != nil {
					t.Fatal(err)
				}
				if man.Extra.PrefixBlocks != r.Mix.PrefixBlocks {
					t.Errorf("manifest prefix_blocks %d, want %d", man.Extra.PrefixBlocks, r.Mix.PrefixBlocks)
				}
				if len(man.Extra.Sources) != len(want) {
					t.Fatalf("manifest lists %d sources, want %d", len(man.Extra.Sources), len(want))
				}
				names := map[string]string{"ja": "Japanese", "zh": "Chinese", "ko": "Korean"}
				for i, s := range man.Extra.Sources {
					if s.Bytes != m.bytes[i] || s.Chars != m.chars[i] || s.Lines != m.lines[i] {
						t.Errorf("source %s: manifest %d bytes, %d chars, %d lines; the file has %d, %d, %d", s.Name, s.Bytes, s.Chars, s.Lines, m.bytes[i], m.chars[i], m.lines[i])
					}
					got, wantShare := s.ShareBytes, want[i]
					if tt.unit == Chars {
						got = s.ShareChars
					}
					if math.Abs(got-wantShare) > 0.01 || math.Abs(s.TargetShare-wantShare) > 1e-9 {
						t.Errorf("source %s: share %.4f (target %.4f), want %.4f", s.Name, got, s.TargetShare, wantShare)
					}
					if i == 0 {
						if s.Sentences != 0 || s.Language != "" {
							t.Errorf("base: sentences %d, language %q", s.Sentences, s.Language)
						}
						continue
					}
					if c := tt.corpora[i-1]; s.Name != c.name || s.Language != names[c.name] || s.Sentences != m.lines[i] || s.Tokens != -1 {
						t.Errorf("source %d: %+v, want %s (%s) with %d sentences", i, s, c.name, names[c.name], m.lines[i])
					}
				}
			})
		}
	}
}

// Article ids are per corpus: an eval set drawn from ja leaves its
// articles out of ja only, not zh's articles of the same ids.
func TestMakeMixExcludePerLanguage(t *testing.T) {
	ja := newLangCorpus(t, "ja", 31, 200)
	zh := newLangCorpus(t, "zh", 32, 200)
	basePath, _ := writeBase(t, 6, 2000)
	dir := t.TempDir()
	evalOut := filepath.Join(dir, "ja-eval.raw")
	ev, err := MakeEval(context.Background(), MakeEvalOptions{From: ja.path, Target: 60_000, Unit: Bytes, Output: evalOut, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	used := IDSet{}
	used.Add(ev.Eval.Articles...)
	for _, p := range ev.Eval.Partial {
		used.Add(p.ID)
	}
	// A manifest of a corpus that is no source applies to every source.
	otherOut := filepath.Join(dir, "other-eval.raw")
	other := newLangCorpus(t, "ja", 33, 200)
	if _, err := MakeEval(context.Background(), MakeEvalOptions{From: other.path, Target: 5_000, Unit: Bytes, Output: otherOut, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	otherIDs, err := ReadExclude(manifest.Path(otherOut))
	if err != nil {
		t.Fatal(err)
	}
	r, err := MakeMix(context.Background(), MakeMixOptions{
		Base: basePath, Adds: []Source{{Name: "ja", Corpus: ja.path}, {Name: "zh", Corpus: zh.path}},
		Shares: map[string]float64{"ja": 0.4, "zh": 0.4}, Total: 150_000, Unit: Bytes, Seed: 1,
		Exclude: []string{manifest.Path(evalOut), manifest.Path(otherOut)}, Output: filepath.Join(dir, "mix.txt"),
	})
	if err != nil {
		t.Fatal(err)
	}
	zhShared := 0
	for _, id := range r.Mix.Sources[1].Articles {
		if used.Has(id) || otherIDs.Has(id) {
			t.Errorf("ja article %s of an eval set is in the mix", id)
		}
	}
	for _, id := range r.Mix.Sources[2].Articles {
		if otherIDs.Has(id) {
			t.Errorf("zh article %s is listed by an eval set of an unknown corpus, yet in the mix", id)
		}
		if used.Has(id) {
			zhShared++
		}
	}
	if zhShared == 0 {
		t.Errorf("no zh article shares an id with the ja eval set's %d articles: the ja exclusion reached zh", len(used))
	}
}

func TestMakeMixLanguageTooSmall(t *testing.T) {
	ja := newLangCorpus(t, "ja", 41, 300)
	zh := newLangCorpus(t, "zh", 42, 5)
	basePath, _ := writeBase(t, 7, 2000)
	_, err := MakeMix(context.Background(), MakeMixOptions{
		Base: basePath, Adds: []Source{{Name: "ja", Corpus: ja.path}, {Name: "zh", Corpus: zh.path}},
		Shares: map[string]float64{"ja": 0.3, "zh": 0.3}, Total: 100_000, Unit: Bytes, Seed: 1,
		Output: filepath.Join(t.TempDir(), "mix.txt"),
	})
	if err == nil || !strings.Contains(err.Error(), zh.path) || !strings.Contains(err.Error(), "less than the 30000 bytes source zh needs") {
		t.Fatalf("error %v, want one naming zh's corpus, its size and the 30000 bytes zh needs", err)
	}
}

// The overlap check sees Chinese and Korean text: an eval set overlaps a
// text that holds it, and not one of another language.
func TestOverlapOtherLanguages(t *testing.T) {
	seg, err := NewSegmenter()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"zh", "ko"} {
		c := newLangCorpus(t, name, 101, 40)
		out := filepath.Join(t.TempDir(), name+".raw")
		if _, err := MakeEval(context.Background(), MakeEvalOptions{From: c.path, Target: 8_000, Unit: Bytes, Format: Plain, Seed: 1, Output: out}); err != nil {
			t.Fatal(err)
		}
		text, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		ov, err := CheckEvalOverlap(context.Background(), text, "self", out, seg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ov.OfEval.Share < 0.99 || ov.OfEval.NGrams < 100 {
			t.Errorf("%s: the eval set's 13-grams found in itself: %.3f of %d", name, ov.OfEval.Share, ov.OfEval.NGrams)
		}
		other := []byte(strings.Join(genBase(1, 300), "\n"))
		if ov, err = CheckEvalOverlap(context.Background(), other, "base", out, seg, nil); err != nil || ov.OfEval.Share != 0 {
			t.Errorf("%s: overlap with English %v, %v", name, ov.OfEval, err)
		}
	}
}
