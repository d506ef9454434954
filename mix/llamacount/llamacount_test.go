package llamacount

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/mix"
)

func tinyModel(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "tiny.gguf")
	if err := synth.WriteFile(p, synth.Default()); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCounter(t *testing.T) {
	c, err := Open(tinyModel(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	empty, err := c.CountTokens("")
	if err != nil {
		t.Fatal(err)
	}
	n, err := c.CountTokens("東京は日本の首都である。 The capital of Japan.")
	if err != nil {
		t.Fatal(err)
	}
	if n <= empty {
		t.Fatalf("a sentence has %d tokens, the empty text %d", n, empty)
	}
	// Through mix: an eval set measured in tokens, and its chunk count.
	corpus := `{"id":"1","title":"東京","text":"東京は日本の首都である。\n人口は約1400万人。"}` + "\n" +
		`{"id":"2","title":"大阪","text":"大阪は西日本の中心都市である。\n商業の町として栄えた。"}` + "\n"
	pool, err := mix.NewPool(context.Background(), "c.jsonl", strings.NewReader(corpus))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := mix.BuildEval(context.Background(), pool, &out, mix.EvalOptions{Target: 60, Unit: mix.Tokens, Counter: c, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	whole, err := c.CountTokens(out.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("achieved %d (deviation %d), whole file %d, empty %d", res.Achieved, res.Deviation, whole, empty)
	// Pieces are priced without BOS; the whole file has it once.
	// The whole file, tokenized at once with BOS, is what counts.
	if int64(whole) != res.Achieved || res.Achieved+res.Deviation != 60 || res.Deviation < 0 || res.Deviation > 3 {
		t.Errorf("achieved %d tokens (deviation %d) for a target of 60; the file has %d", res.Achieved, res.Deviation, whole)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMixInTokens(t *testing.T) {
	c, err := Open(tinyModel(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var corpus strings.Builder
	for i := range 40 {
		fmt.Fprintf(&corpus, `{"id":"%d","title":"t","text":"東京は日本の首都である。\n人口は約%d万人。\n\n大学が多い。"}`+"\n", i, i)
	}
	pool, err := mix.NewPool(context.Background(), "c.jsonl", strings.NewReader(corpus.String()))
	if err != nil {
		t.Fatal(err)
	}
	var base []string
	for i := range 60 {
		base = append(base, fmt.Sprintf("Base line %d of the calibration text.", i))
	}
	var out bytes.Buffer
	res, err := mix.Mix(context.Background(), &out, mix.MixOptions{Base: base, Adds: []mix.Add{{Name: "ja", Pool: pool, Share: 0.5}},
		Total: 600, Unit: mix.Tokens, Counter: c, ChunkTokens: 32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.BlockUnit != "tokens" || res.Sources[1].Tokens <= 0 {
		t.Fatalf("result %+v", res)
	}
	if s := res.Sources[1].ShareTokens; s < 0.45 || s > 0.55 {
		t.Errorf("Japanese has %.3f of the tokens, want about 0.5", s)
	}
	// Base lines of about ten tokens bound how close a 600-token total gets.
	if res.Total < 585 || res.Total > 600 {
		t.Errorf("total %d tokens by line, want 585..600", res.Total)
	}
}

// Several languages in tokens: each language's token count is the sum of
// its lines' counts, and each holds its share of the tokens.
func TestMixLanguagesInTokens(t *testing.T) {
	c, err := Open(tinyModel(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	texts := map[string][]string{
		"ja": {"東京は日本の首都である。", "人口は約%d万人。", "大学が多い。"},
		"zh": {"北京是中国的首都。", "人口约%d万。", "这里有很多大学。"},
		"de": {"Berlin ist die Hauptstadt Deutschlands.", "Dort leben etwa %d Menschen.", "Es gibt viele Universitäten."},
	}
	var adds []mix.Add
	shares := map[string]float64{"ja": 0.3, "zh": 0.2, "de": 0.2}
	for i, name := range []string{"ja", "zh", "de"} {
		var corpus strings.Builder
		for a := range 60 {
			ss := texts[name]
			fmt.Fprintf(&corpus, `{"id":"%d","title":"t","text":"%s\n%s\n\n%s"}`+"\n", a, ss[0], fmt.Sprintf(ss[1], a), ss[2])
		}
		pool, err := mix.NewPool(context.Background(), name+".jsonl", strings.NewReader(corpus.String()))
		if err != nil {
			t.Fatal(err)
		}
		adds = append(adds, mix.Add{Name: name, Pool: pool, Share: shares[name], Stream: uint64(i)})
	}
	var base []string
	for i := range 200 {
		base = append(base, fmt.Sprintf("Base line %d of the calibration text.", i))
	}
	var out bytes.Buffer
	res, err := mix.Mix(context.Background(), &out, mix.MixOptions{Base: base, Adds: adds,
		Total: 2000, Unit: mix.Tokens, Counter: c, ChunkTokens: 32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	// Count each line independently, by the source it came from.
	bySource := map[string]int64{}
	for l := range strings.SplitAfterSeq(out.String(), "\n") {
		if l == "" {
			continue
		}
		n, err := c.CountTokens(l)
		if err != nil {
			t.Fatal(err)
		}
		empty, _ := c.CountTokens("")
		src := "base"
		switch {
		case strings.Contains(l, "首都である") || strings.Contains(l, "万人") || strings.Contains(l, "大学が"):
			src = "ja"
		case strings.Contains(l, "北京") || strings.Contains(l, "万。") || strings.Contains(l, "这里"):
			src = "zh"
		case !strings.HasPrefix(l, "Base line"):
			src = "de"
		}
		bySource[src] += int64(n - empty)
	}
	for _, s := range res.Sources[1:] {
		want := shares[s.Name]
		if s.Tokens <= 0 || s.Tokens != bySource[s.Name] {
			t.Errorf("%s: %d tokens in the result, %d counted line by line", s.Name, s.Tokens, bySource[s.Name])
		}
		if math.Abs(s.ShareTokens-want) > 0.03 {
			t.Errorf("%s: %.3f of the tokens, want %.2f", s.Name, s.ShareTokens, want)
		}
		if s.Sentences != s.Lines {
			t.Errorf("%s: %d sentences on %d lines", s.Name, s.Sentences, s.Lines)
		}
	}
	if res.MaxPrefixError > 0.05+1e-9 {
		t.Errorf("prefix error %.3f over %d blocks", res.MaxPrefixError, res.PrefixBlocks)
	}
}

func TestOpenMissing(t *testing.T) {
	if _, _, err := OpenCounter(filepath.Join(t.TempDir(), "none.gguf")); err == nil {
		t.Fatal("opened a missing model")
	}
}
