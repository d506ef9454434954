package study

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/llamacpptest"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
	"github.com/calibkit/calibkit/study/spec"
	"github.com/calibkit/calibkit/study/studytest"
)

// fixture writes a study folder: the synthesized tiny model (made once
// per test binary), the English sample text, a small Japanese corpus and
// study.yaml with the given body after the model line ($MODEL in it
// names the model).
func fixture(t testing.TB, body string) (dir string, s *spec.Spec) {
	t.Helper()
	return fixtureIn(t, t.TempDir(), body)
}

// fixtureIn is fixture in dir, which may already hold further inputs.
func fixtureIn(t testing.TB, dir, body string) (string, *spec.Spec) {
	t.Helper()
	modelPath := tinyModel(t)
	if err := studytest.WriteInputs(dir); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "study.yaml")
	body = strings.ReplaceAll(body, "$MODEL", modelPath)
	os.WriteFile(p, []byte("name: tiny\nmodel: "+modelPath+"\n"+body), 0o644)
	s, err := spec.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return dir, s
}

func TestMain(m *testing.M) { synthtest.Main(m) }

// tinyModel is the synthesized tiny model, written once per test binary.
func tinyModel(t testing.TB) string {
	t.Helper()
	return synthtest.Model(t, "tiny", synth.Default())
}

// llamaCpp returns llama.cpp's tools folder, or skips.
func llamaCpp(t testing.TB) string {
	t.Helper()
	return llamacpptest.Dir(t, "to run the quantize and perplexity steps with")
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
