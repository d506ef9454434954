package study

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/study/plan"
)

func TestViewDrawsStepsAndCurrentStep(t *testing.T) {
	var term bytes.Buffer
	v := newView(context.Background(), &term, nil, 2)
	st := &plan.Step{ID: "imatrix:en"}
	v.start(st)
	v.progress(3, 10)
	v.done(st, "done")
	v.start(&plan.Step{ID: "ppl:en/M/w"})
	v.failed(&plan.Step{ID: "ppl:en/M/w"}, StepError{Step: "ppl:en/M/w", Err: "boom"})
	v.finish()
	out := term.String()
	for _, want := range []string{"study ", "/2 steps", "imatrix:en: done", "step ppl:en/M/w failed: boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%q", want, out)
		}
	}
}

// TestSourceShorterThanTwoChunks needs no llama.cpp tools: the linked
// imatrix refuses a text too short for its chunks, and the step's error
// names the source.
func TestSourceShorterThanTwoChunks(t *testing.T) {
	dir, s := fixture(t, `imatrix:
  - {name: tiny, text: short.txt}
variants: [M]
eval: [{name: en, file: en.raw}]
settings: {ctx: 512}
`)
	res, err := Run(context.Background(), Options{Spec: s, Dir: filepath.Join(dir, "out")})
	if err == nil || len(res.Failed) == 0 || !strings.Contains(res.Failed[0].Err, "imatrix source tiny") || !strings.Contains(res.Failed[0].Err, "two chunks of 512 tokens") {
		t.Fatalf("error %v, failed %+v", err, res)
	}
}
