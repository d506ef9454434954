package study

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/calibkit/calibkit/internal/sample"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/study/spec"
)

var (
	modelOnce sync.Once
	modelPath string
	modelErr  error
)

// fixture writes a study folder: the synthesized tiny model (made once
// per test binary), the English sample text, a small Japanese corpus and
// study.yaml with the given body after the model line ($MODEL in it
// names the model).
func fixture(t testing.TB, body string) (dir string, s *spec.Spec) {
	t.Helper()
	modelOnce.Do(func() {
		d, err := os.MkdirTemp("", "calibkit-study-model-")
		if err != nil {
			modelErr = err
			return
		}
		modelPath = filepath.Join(d, "tiny.gguf")
		modelErr = synth.WriteFileContext(context.Background(), modelPath, synth.Default())
	})
	if modelErr != nil {
		t.Fatal(modelErr)
	}
	dir = t.TempDir()
	if _, err := sample.WriteTo(dir, sample.Wikitext); err != nil {
		t.Fatal(err)
	}
	os.Rename(filepath.Join(dir, sample.Wikitext), filepath.Join(dir, "en.raw"))
	var b strings.Builder
	for i := range 60 {
		var paras []string
		for p := range 3 {
			paras = append(paras, fmt.Sprintf("記事%dの第%d段落は日本語の文である。山と川と海がある町で人々は暮らしている。", i, p))
		}
		j, _ := json.Marshal(map[string]string{"id": fmt.Sprint(i), "title": fmt.Sprintf("記事%d", i), "text": strings.Join(paras, "\n\n")})
		b.Write(j)
		b.WriteByte('\n')
	}
	os.WriteFile(filepath.Join(dir, "ja.jsonl"), []byte(b.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "short.txt"), []byte("A calibration text of a few words.\n"), 0o644)
	p := filepath.Join(dir, "study.yaml")
	body = strings.ReplaceAll(body, "$MODEL", modelPath)
	os.WriteFile(p, []byte("name: tiny\nmodel: "+modelPath+"\n"+body), 0o644)
	s, err := spec.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return dir, s
}

// llamaCpp returns llama.cpp's tools folder, or skips.
func llamaCpp(t testing.TB) string {
	t.Helper()
	d := os.Getenv("CALIBKIT_LLAMA_CPP")
	if d == "" {
		t.Skip("CALIBKIT_LLAMA_CPP is unset: no llama.cpp tools to run the quantize and perplexity steps with")
	}
	return d
}

const gridBody = `imatrix:
  - none
  - name: en
    text: en.raw
  - name: en+ja
    mix:
      base: en.raw
      add: {ja: ja.jsonl}
      factor: {ja: 1}
variants:
  - M
  - {name: q8, type: Q8_0}
eval:
  - name: en
    file: en.raw
  - name: ja
    build: {from: ja.jsonl, bytes: "1500"}
settings:
  ctx: 64
  threads: 2
  flash_attn: "on"
`
