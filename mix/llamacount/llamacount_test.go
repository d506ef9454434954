package llamacount

import (
	"bytes"
	"context"
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

func TestOpenMissing(t *testing.T) {
	if _, _, err := OpenCounter(filepath.Join(t.TempDir(), "none.gguf")); err == nil {
		t.Fatal("opened a missing model")
	}
}
