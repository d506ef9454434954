package llamatok_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/hfdataset"
	"github.com/calibkit/calibkit/hfdataset/llamatok"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

func TestMain(m *testing.M) { synthtest.Main(m) }

// TestSamplesOfModelTokens cuts samples of exactly L tokens of a real
// (synthesized) SPM vocabulary through llama.cpp.
func TestSamplesOfModelTokens(t *testing.T) {
	dir := t.TempDir()
	model := synthtest.Model(t, "tiny", synth.Default())
	tok, err := llamatok.Open(model)
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	text := strings.Repeat("春には桜が咲き、秋には紅葉が山を染める。The quick brown fox jumps over the lazy dog.\n", 40)
	in := filepath.Join(dir, "calib.txt")
	if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	all, err := tok.Tokenize(strings.TrimSuffix(text, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	const L = 32
	res, err := hfdataset.Export(context.Background(), hfdataset.Options{
		Splits: []hfdataset.Split{{Name: "train", Files: []string{in}}},
		Output: filepath.Join(dir, "ds"), Model: model,
		Samples: hfdataset.SampleSpec{N: 5, SeqLen: L, Seed: 7, Tokenizer: tok},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Splits[0]
	if s.Rows != 5 || s.Tokens != 5*L || s.Units != len(all) {
		t.Fatalf("split %+v, text has %d tokens", s, len(all))
	}
	_, err = hfdataset.Export(context.Background(), hfdataset.Options{
		Splits:  []hfdataset.Split{{Name: "train", Files: []string{in}}},
		Output:  filepath.Join(dir, "ds2"),
		Samples: hfdataset.SampleSpec{N: len(all)/L + 1, SeqLen: L, Seed: 7, Tokenizer: tok},
	})
	if err == nil || !strings.Contains(err.Error(), "tokens") {
		t.Fatalf("too many samples: %v", err)
	}
}

func TestSampleIsATokenWindow(t *testing.T) {
	dir := t.TempDir()
	model := synthtest.Model(t, "tiny", synth.Default())
	tok, err := llamatok.Open(model)
	if err != nil {
		t.Fatal(err)
	}
	defer tok.Close()
	text := strings.Repeat("日本語の文と English words, mixed. ", 50)
	in := filepath.Join(dir, "calib.txt")
	if err := os.WriteFile(in, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	all, _ := tok.Tokenize(text)
	const L = 16
	res, err := hfdataset.Export(context.Background(), hfdataset.Options{
		Splits: []hfdataset.Split{{Name: "train", Files: []string{in}}}, Output: filepath.Join(dir, "ds"),
		Samples: hfdataset.SampleSpec{N: 3, SeqLen: L, Seed: 1, Tokenizer: tok},
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := hfdataset.ReadRows(filepath.Join(res.Output, res.Splits[0].Shards[0]))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		var start int
		if _, err := fmt.Sscanf(r.ID[strings.LastIndexByte(r.ID, '@')+1:], "%d", &start); err != nil {
			t.Fatal(r.ID, err)
		}
		want, _ := tok.Detokenize(all[start : start+L])
		if r.Text != want {
			t.Errorf("sample %s = %q, want the window's text %q", r.ID, r.Text, want)
		}
	}
}
