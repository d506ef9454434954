package mix

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// genBase makes English-like base lines of varied length, blank lines
// included, the way calibration_datav3.txt looks.
func genBase(seed uint64, n int) []string {
	r := rand.New(rand.NewPCG(seed, 3))
	words := []string{"the", "model", "quantization", "of", "weights", "is", "a", "matrix", "importance", "calibration", "text", "token"}
	lines := make([]string, n)
	for i := range lines {
		if r.IntN(10) == 0 {
			continue
		}
		k := 3 + r.IntN(120)
		var b strings.Builder
		for w := range k {
			if w > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[r.IntN(len(words))])
		}
		lines[i] = fmt.Sprintf("%d %s.", i, b.String())
	}
	return lines
}

func TestMixPrefixShares(t *testing.T) {
	corpus := writeJSONL(t, 2, 600)
	base := genBase(1, 3000)
	baseSet := map[string]bool{}
	for _, l := range base {
		baseSet[l] = true
	}
	for _, share := range []float64{0.05, 0.2, 0.25, 0.5, 0.75, 0.8, 0.85, 0.95} {
		for seed := range uint64(8) {
			pool := openPool(t, corpus)
			var buf bytes.Buffer
			total := int64(60_000 + 7_919*seed)
			res, err := Mix(context.Background(), &buf, MixOptions{Base: base, Adds: []Add{{Name: "ja", Pool: pool, Share: share}}, Total: total, Unit: Bytes, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			// The base's blank lines let the fill hit the total exactly.
			if buf.Len() != int(total) {
				t.Errorf("share %g seed %d: %d bytes, want exactly %d", share, seed, buf.Len(), total)
			}
			if d := math.Abs(float64(buf.Len()-int(total))) / float64(total); d > 0.005 {
				t.Errorf("share %g seed %d: %d bytes, %.2f%% off %d", share, seed, buf.Len(), 100*d, total)
			}
			// Independent check: classify each line, measure the prefix
			// share at every line end past ten blocks' worth of bytes.
			var ja, all int64
			worst := 0.0
			lines := strings.SplitAfter(buf.String(), "\n")
			baseSeen := 0
			for _, l := range lines {
				if l == "" {
					continue
				}
				n := int64(len(l))
				if !baseSet[strings.TrimSuffix(l, "\n")] {
					ja += n
				} else {
					// Base lines come in order: a subsequence of the base.
					for baseSeen < len(base) && base[baseSeen] != strings.TrimSuffix(l, "\n") {
						baseSeen++
					}
					if baseSeen == len(base) {
						t.Fatalf("base line %q out of order", l)
					}
					baseSeen++
				}
				all += n
				if all >= 10*res.BlockSize {
					worst = math.Max(worst, math.Abs(float64(ja)/float64(all)-share))
				}
			}
			if worst > 0.05+1e-9 {
				t.Errorf("share %g seed %d: a prefix of ≥10 blocks is %.1f points off", share, seed, 100*worst)
			}
			if res.MaxPrefixError > 0.05+1e-9 {
				t.Errorf("share %g seed %d: reported prefix error %.3f", share, seed, res.MaxPrefixError)
			}
			if got := res.Sources[1].ShareBytes; math.Abs(got-share) > 0.01 {
				t.Errorf("share %g seed %d: achieved %.4f", share, seed, got)
			}
			_ = utf8.RuneCount
		}
	}
}

func TestMixThreeSources(t *testing.T) {
	ja := writeJSONL(t, 11, 500)
	ja2 := writeTextCorpus(t, 12, 500)
	base := genBase(4, 3000)
	for seed := range uint64(6) {
		var buf bytes.Buffer
		res, err := Mix(context.Background(), &buf, MixOptions{
			Base: base, Total: 120_000, Unit: Chars, Seed: seed,
			Adds: []Add{{Name: "ja", Pool: openPool(t, ja), Share: 0.3}, {Name: "ja2", Pool: openPool(t, ja2), Share: 0.2, Stream: 1}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.MaxPrefixError > 0.05+1e-9 {
			t.Errorf("seed %d: prefix error %.3f", seed, res.MaxPrefixError)
		}
		want := []float64{0.5, 0.3, 0.2}
		for i, s := range res.Sources {
			if math.Abs(s.ShareChars-want[i]) > 0.01 {
				t.Errorf("seed %d: %s has %.4f of the characters, want %.2f", seed, s.Name, s.ShareChars, want[i])
			}
		}
		if n := int64(utf8.RuneCount(buf.Bytes())); math.Abs(float64(n-120_000)) > 600 {
			t.Errorf("seed %d: %d chars", seed, n)
		}
	}
}
