package plan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/study/spec"
)

func load(t *testing.T, dir, body string) *spec.Spec {
	t.Helper()
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte(body), 0o644)
	s, err := spec.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const body = `model: m.gguf
imatrix:
  - none
  - {name: en, text: en.txt}
  - name: mix
    mix: {base: en.txt, add: {ja: ja.jsonl}, factor: {ja: 2}}
variants: [M, L]
eval:
  - {name: w, file: w.raw}
  - {name: j, build: {from: ja.jsonl, like: w.raw}}
settings: {ctx: 128}
`

func TestPlanKeysFollowContentsAndParameters(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"m.gguf", "en.txt", "ja.jsonl", "w.raw"} {
		os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644)
	}
	s := load(t, dir, body)
	p, err := New(s, Options{Engine: "e1", Model: s.Model})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Cells) != 12 || p.Cells[5].ID != "en/M/j" || p.Baseline != "none" {
		t.Fatalf("%d cells, cell 5 %s, baseline %s", len(p.Cells), p.Cells[5].ID, p.Baseline)
	}
	// mix waits for the eval set it leaves out; ppl for its quant and eval set
	if d := p.Step("mix:mix").Deps; len(d) != 1 || d[0] != "eval:j" {
		t.Errorf("mix deps %v", d)
	}
	if d := p.Step("ppl:mix/L/j").Deps; len(d) != 2 || d[0] != "quantize:mix/L" || d[1] != "eval:j" {
		t.Errorf("ppl deps %v", d)
	}
	needs := p.Needs(p.Cells[0])
	if len(needs) != 2 || needs[0].ID != "quantize:none/M" || needs[1].ID != "ppl:none/M/w" {
		t.Errorf("cell 0 needs %v", needs)
	}
	keys := func(p *Plan) map[string]string {
		m := map[string]string{}
		for _, st := range p.Steps {
			m[st.ID] = st.Key
		}
		return m
	}
	before := keys(p)
	// A changed corpus invalidates the eval set built from it and all
	// that follows from it and from the mix; the text source's quants of
	// w are kept.
	os.WriteFile(filepath.Join(dir, "ja.jsonl"), []byte("changed"), 0o644)
	q, err := New(s, Options{Engine: "e1", Model: s.Model})
	if err != nil {
		t.Fatal(err)
	}
	after := keys(q)
	for id, k := range before {
		changed := after[id] != k
		want := strings.Contains(id, "mix") || strings.HasSuffix(id, "/j") || id == "eval:j"
		if changed != want {
			t.Errorf("%s: changed %v, want %v", id, changed, want)
		}
	}
	// Another engine is another key for every model step.
	r, _ := New(s, Options{Engine: "e2", Model: s.Model})
	for _, st := range r.Steps {
		if (after[st.ID] == st.Key) != (st.Kind == KindEval || st.Kind == KindMix) {
			t.Errorf("%s: engine change: same key %v", st.ID, after[st.ID] == st.Key)
		}
	}
	if _, err := q.Cell("12"); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Errorf("error %v", err)
	}
}
