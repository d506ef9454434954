package mix

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/manifest"
)

// linesOf returns the lines of text that are sentences of c, in order.
func linesOf(text string, c langCorpus) []string {
	var out []string
	for l := range strings.SplitSeq(strings.TrimSuffix(text, "\n"), "\n") {
		if c.sentences[l] {
			out = append(out, l)
		}
	}
	return out
}

func TestMakeSweepVaryOneLanguage(t *testing.T) {
	ja := newLangCorpus(t, "ja", 51, 400)
	zh := newLangCorpus(t, "zh", 52, 400)
	ko := newLangCorpus(t, "ko", 53, 400)
	basePath, baseSet := writeBase(t, 8, 3000)
	const total = 100_000
	shares := []float64{0, 0.2, 0.4}
	for _, tt := range []struct {
		fixed  []langCorpus
		fshare []float64
		nested bool
	}{
		{[]langCorpus{zh}, []float64{0.2}, true},
		{[]langCorpus{zh}, []float64{0.2}, false},
		{[]langCorpus{zh, ko}, []float64{0.2, 0.1}, true},
		{[]langCorpus{zh, ko}, []float64{0.3, 0.25}, false},
	} {
		t.Run(fmt.Sprintf("%d fixed nested=%v", len(tt.fixed), tt.nested), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "sweep")
			opts := MakeSweepOptions{Base: basePath, Add: Source{Name: "ja", Corpus: ja.path}, Shares: shares,
				FixedShares: map[string]float64{}, Total: total, Unit: Bytes, Seed: 2, Nested: tt.nested, Dir: dir}
			for i, c := range tt.fixed {
				opts.Fixed = append(opts.Fixed, Source{Name: c.name, Corpus: c.path})
				opts.FixedShares[c.name] = tt.fshare[i]
			}
			entries, err := MakeSweep(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			var prevJa []string
			fixedLines := make([][]string, len(tt.fixed))
			for k, e := range entries {
				text, err := os.ReadFile(filepath.Join(dir, e.File))
				if err != nil {
					t.Fatal(err)
				}
				if d := math.Abs(float64(len(text))-total) / total; d > 0.005 {
					t.Errorf("%s: %d bytes, %.2f%% off", e.File, len(text), 100*d)
				}
				want := []float64{1 - e.Share, e.Share}
				cs := []langCorpus{ja}
				for i, c := range tt.fixed {
					want[0] -= tt.fshare[i]
					want = append(want, tt.fshare[i])
					cs = append(cs, c)
				}
				m := measureMix(t, string(text), baseSet, cs, Bytes, want, int64(MinPrefixBlocks(len(cs)))*2048)
				if m.worst > 0.05+1e-9 || e.MaxPrefixError > 0.05+1e-9 {
					t.Errorf("%s: prefixes off by %.1f points (reported %.1f)", e.File, 100*m.worst, 100*e.MaxPrefixError)
				}
				for i, s := range e.Sources {
					if math.Abs(s.ShareBytes-want[i]) > 0.01 {
						t.Errorf("%s: %s has %.4f of the bytes, want %.2f", e.File, s.Name, s.ShareBytes, want[i])
					}
				}
				// The varied language: nested, each larger share extends
				// the smaller one's text.
				cur := linesOf(string(text), ja)
				if tt.nested && k > 0 && (len(cur) < len(prevJa) || !slicesEqual(cur[:len(prevJa)], prevJa)) {
					t.Errorf("%s: ja text does not extend the previous share's", e.File)
				}
				prevJa = cur
				// The fixed languages: nested, the same sentences in every
				// mix; otherwise each mix draws its own.
				for i, c := range tt.fixed {
					got := linesOf(string(text), c)
					if k > 0 && slicesEqual(got, fixedLines[i]) != tt.nested {
						t.Errorf("%s: %s sentences the same as the previous mix's: %v, want %v", e.File, c.name, !tt.nested, tt.nested)
					}
					fixedLines[i] = got
				}
				// Nested: each mix is what `calibkit mix` writes for the
				// same shares, sources in the same order.
				if tt.nested {
					mo := MakeMixOptions{Base: basePath, Adds: []Source{opts.Add}, Shares: map[string]float64{"ja": e.Share}, Total: total,
						Unit: Bytes, Chunk: 512, Seed: 2, Output: filepath.Join(t.TempDir(), "mix.txt")}
					for _, s := range opts.Fixed {
						mo.Adds = append(mo.Adds, s)
						mo.Shares[s.Name] = opts.FixedShares[s.Name]
					}
					if _, err := MakeMix(context.Background(), mo); err != nil {
						t.Fatal(err)
					}
					if b, _ := os.ReadFile(mo.Output); !bytes.Equal(b, text) {
						t.Errorf("%s differs from the mix of the same shares", e.File)
					}
				}
				mm, err := manifest.Read(manifest.Path(filepath.Join(dir, e.File)))
				if err != nil {
					t.Fatal(err)
				}
				if got := fmt.Sprint(mm.Parameters["share"]); !strings.Contains(got, fmt.Sprintf("ja:%g", e.Share)) || !strings.Contains(got, fmt.Sprintf("zh:%g", tt.fshare[0])) {
					t.Errorf("%s: manifest shares %s", e.File, got)
				}
			}
		})
	}
}

func TestSweepFixedSharesOverOne(t *testing.T) {
	ja := newLangCorpus(t, "ja", 61, 50)
	zh := newLangCorpus(t, "zh", 62, 50)
	err := Sweep(context.Background(), SweepOptions{
		Mix:  MixOptions{Base: genBase(1, 100), Total: 10_000, Unit: Bytes},
		Name: "ja", Pool: openPool(t, ja.path), Shares: []float64{0, 0.5, 0.8},
		Fixed: []Add{{Name: "zh", Pool: openPool(t, zh.path), Share: 0.3}},
	}, func(float64, string, []byte, *MixResult) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "share 0.8 of ja and the fixed shares (0.3 in all) sum to 1.1") {
		t.Fatalf("error %v", err)
	}
}
