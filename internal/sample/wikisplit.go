package sample

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/calibkit/calibkit/internal/atomicfile"
)

// Roles of the bundled Wikipedia articles in a trained demo model's texts:
// whole articles from the end of each language's file until WikiEvalBytes
// are eval text, the articles before them until WikiCalibBytes calibration
// (imatrix) text, the rest training text. No article is in two roles.
const (
	WikiEvalBytes  = 40000
	WikiCalibBytes = 40000
)

// takeLast moves whole articles from the end of arts until they hold at
// least n bytes, and returns them in their order.
func takeLast(arts *[]string, n int) []string {
	got, size := 0, 0
	for got < len(*arts) && size < n {
		got++
		size += len((*arts)[len(*arts)-got])
	}
	out := (*arts)[len(*arts)-got:]
	*arts = (*arts)[:len(*arts)-got]
	return out
}

// WikiTexts writes, for each bundled language L, DIR/train-L.txt,
// DIR/calib-L.txt and DIR/eval-L.txt (paragraphs one a line, a blank line
// between articles) and returns their paths keyed "train-L", "calib-L"
// and "eval-L".
func WikiTexts(dir string) (map[string]string, error) {
	out := map[string]string{}
	for _, lang := range WikiLangs() {
		b, err := Wiki(lang)
		if err != nil {
			return nil, err
		}
		var arts []string
		for i, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			var a struct{ Text string }
			if err := json.Unmarshal(line, &a); err != nil {
				return nil, fmt.Errorf("sample Wikipedia text %s line %d: %w", lang, i+1, err)
			}
			arts = append(arts, strings.TrimSpace(a.Text)+"\n")
		}
		eval := takeLast(&arts, WikiEvalBytes)
		calib := takeLast(&arts, WikiCalibBytes)
		if len(arts) == 0 {
			return nil, fmt.Errorf("sample Wikipedia text %s: too few articles to split", lang)
		}
		parts := map[string][]string{"train-" + lang: arts, "calib-" + lang: calib, "eval-" + lang: eval}
		for key, a := range parts {
			p := filepath.Join(dir, key+".txt")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
			if _, err := atomicfile.WriteFile(p, strings.NewReader(strings.Join(a, "\n"))); err != nil {
				return nil, err
			}
			out[key] = p
		}
	}
	return out, nil
}
