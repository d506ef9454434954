package modelcard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
	"github.com/calibkit/calibkit/study"
	"github.com/calibkit/calibkit/study/spec"
	"github.com/calibkit/calibkit/study/studytest"
	"github.com/calibkit/calibkit/tasks"
)

var (
	studyOnce sync.Once
	studyDir  string
	studyErr  error
)

// studyBody is a small grid run by the study runner in the linked engine:
// no imatrix, an English text, an English+Japanese mix, and a text too
// short for one chunk (its imatrix fails, so its cells fail) × Q4_K_M and
// Q8_0 × the English sample and a Japanese eval set built from a corpus.
const studyBody = `imatrix:
  - none
  - name: en
    text: en.raw
  - name: en+ja
    mix:
      base: en.raw
      add: {ja: ja.jsonl}
      factor: {ja: 1}
  - name: short
    text: short.txt
variants:
  - M
  - {name: q8, type: Q8_0}
eval:
  - name: en
    file: en.raw
  - name: ja
    build: {from: ja.jsonl, bytes: "1500"}
tasks:
  - name: mc
    file: mc.bin
    mode: multiple-choice
settings:
  ctx: 64
  threads: 2
  baseline: none
notes:
  - The en+ja mix holds about twice the text of en.
`

func TestMain(m *testing.M) { synthtest.Main(m) }

// fixtureStudy runs the grid once per test binary and returns its folder
// (tests copy what they change).
func fixtureStudy(t testing.TB) string {
	t.Helper()
	studyOnce.Do(func() {
		d, err := os.MkdirTemp(synthtest.Dir(t), "study-")
		if err != nil {
			studyErr = err
			return
		}
		studyDir, studyErr = runStudy(d)
	})
	if studyErr != nil {
		t.Fatal(studyErr)
	}
	return studyDir
}

func runStudy(dir string) (string, error) {
	model := filepath.Join(dir, "tiny.gguf")
	if err := synth.WriteFileContext(context.Background(), model, synth.Default()); err != nil {
		return "", err
	}
	if err := studytest.WriteInputs(dir); err != nil {
		return "", err
	}
	var mc []tasks.MultipleChoiceTask
	for i := range 12 {
		mc = append(mc, tasks.MultipleChoiceTask{
			Question: fmt.Sprintf("Question %d: where do the people of the town live?", i),
			Answers:  []string{" by the mountains", " under the sea", " on the moon", " in the rivers"},
			Labels:   []int32{1, 0, 0, 0},
		})
	}
	var mcb bytes.Buffer
	if err := tasks.WriteMultipleChoice(&mcb, mc); err != nil {
		return "", err
	}
	os.WriteFile(filepath.Join(dir, "mc.bin"), mcb.Bytes(), 0o644)
	p := filepath.Join(dir, "study.yaml")
	os.WriteFile(p, []byte("name: tiny card study\nmodel: tiny.gguf\n"+studyBody), 0o644)
	s, err := spec.Load(p)
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "out")
	_, err = study.Run(context.Background(), study.Options{Spec: s, Dir: out})
	if err != nil && !errors.Is(err, study.ErrStepsFailed) {
		return "", err
	}
	if err == nil {
		return "", errors.New("the short source's imatrix was expected to fail")
	}
	return out, nil
}

// copyStudy copies the files of a study folder the card reads (not the
// step cache) into a new folder.
func copyStudy(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Type().IsRegular() {
			b, _ := os.ReadFile(filepath.Join(src, e.Name()))
			os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644)
		}
	}
	return dst
}
