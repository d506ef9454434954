package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/calibkit/calibkit/tokenize"
)

// sampleFloors are the sentence F1 of the splitter on the Universal
// Dependencies dev-set samples (testdata/README.md) when the rules were last
// changed, less a small margin: a regression guard, computed afresh on every
// run. The samples of treebanks whose licence covers only the annotations
// are kept out of the repository; they are scored too when
// CALIBKIT_UD_SAMPLES names the folder that holds them.
var sampleFloors = map[string]float64{
	// Committed (testdata/).
	"it_isdt-dev-sample.conllu":   98, // measured 100.0 on 58 sentences
	"nl_alpino-dev-sample.conllu": 95, // 100.0 on 26
	"pl_pdb-dev-sample.conllu":    88, // 100.0 on 9
	// Outside the repository (CALIBKIT_UD_SAMPLES).
	"de_gsd-dev-sample.conllu": 95, // 100.0 on 25
	"en_ewt-dev-sample.conllu": 71, // 73.0 on 42
	"es_gsd-dev-sample.conllu": 89, // 91.4 on 54
	"fr_gsd-dev-sample.conllu": 94, // 100.0 on 20
	"ko_gsd-dev-sample.conllu": 77, // 79.6 on 55
	"pt_gsd-dev-sample.conllu": 91, // 93.3 on 23
	"ru_gsd-dev-sample.conllu": 92, // 100.0 on 13
}

func TestSampleScores(t *testing.T) {
	dirs := []string{"testdata"}
	if d := os.Getenv("CALIBKIT_UD_SAMPLES"); d != "" {
		dirs = append(dirs, d)
	}
	seen := 0
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.conllu"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			floor, ok := sampleFloors[filepath.Base(path)]
			if !ok {
				t.Errorf("%s: no floor in sampleFloors", path)
				continue
			}
			seen++
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			tb, err := ReadTreebank(f)
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			code := filepath.Base(path)[:2]
			split, err := tokenize.SplitterFor(code)
			if err != nil {
				t.Fatal(err)
			}
			r := Score(tb, split)
			if f1 := 100 * r.F1(); f1 < floor {
				t.Errorf("%s: F1 %.1f (P %.1f, R %.1f, %d gold sentences), below %.0f; wrong: %q",
					path, f1, 100*r.Precision(), 100*r.Recall(), r.Gold, floor, r.Wrong)
			}
		}
	}
	if seen < 3 {
		t.Fatalf("scored %d samples, want the 3 in testdata at least", seen)
	}
}
