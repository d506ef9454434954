// Package studytest writes the inputs the study tests run their grids on.
package studytest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/calibkit/calibkit/internal/sample"
)

// WriteInputs writes into dir the English sample text as en.raw, a small
// Japanese corpus ja.jsonl (60 articles of three paragraphs) and
// short.txt, a calibration text too short for one chunk.
func WriteInputs(dir string) error {
	if _, err := sample.WriteTo(dir, sample.Wikitext); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(dir, sample.Wikitext), filepath.Join(dir, "en.raw")); err != nil {
		return err
	}
	var b strings.Builder
	for i := range 60 {
		var paras []string
		for p := range 3 {
			paras = append(paras, fmt.Sprintf("記事%dの第%d段落は日本語の文である。山と川と海がある町で人々は暮らしている。", i, p))
		}
		j, err := json.Marshal(map[string]string{"id": fmt.Sprint(i), "title": fmt.Sprintf("記事%d", i), "text": strings.Join(paras, "\n\n")})
		if err != nil {
			return err
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "ja.jsonl"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "short.txt"), []byte("A calibration text of a few words.\n"), 0o644)
}
