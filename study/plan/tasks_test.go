package plan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const taskBody = `model: m.gguf
imatrix:
  - none
  - {name: en, text: en.txt}
variants: [M, L]
eval:
  - {name: w, file: w.raw}
tasks:
  - {name: mc, file: mc.bin, mode: multiple-choice}
  - {name: hs, file: hs.txt, mode: hellaswag, tasks: 10}
settings: {ctx: 128}
`

func TestPlanTaskSteps(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"m.gguf", "en.txt", "w.raw", "mc.bin", "hs.txt"} {
		os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644)
	}
	s := load(t, dir, taskBody)
	p, err := New(s, Options{Engine: "e1", Model: s.Model})
	if err != nil {
		t.Fatal(err)
	}
	// per quant: the eval cell, then a cell per task set
	if len(p.Cells) != 12 || p.Cells[1].ID != "none/M/mc" || p.Cells[1].Task != "mc" || p.Cells[1].Eval != "" || p.Cells[2].ID != "none/M/hs" {
		t.Fatalf("%d cells: %+v %+v", len(p.Cells), p.Cells[1], p.Cells[2])
	}
	st := p.Step(p.Cells[4].TaskStep)
	if st == nil || st.ID != "task:none/L/mc" || st.Kind != KindTask || len(st.Deps) != 1 || st.Deps[0] != "quantize:none/L" {
		t.Fatalf("step %+v", st)
	}
	if needs := p.Needs(p.Cells[1]); len(needs) != 2 || needs[0].ID != "quantize:none/M" || needs[1].ID != "task:none/M/mc" {
		t.Errorf("needs %v", needs)
	}
	if c, err := p.Cell("en/L/hs"); err != nil || c.Final() != "task:en/L/hs" {
		t.Errorf("%+v %v", c, err)
	}
	keys := func(s2 string) map[string]string {
		sp := load(t, dir, s2)
		q, err := New(sp, Options{Engine: "e1", Model: sp.Model})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, st := range q.Steps {
			m[st.ID] = st.Key
		}
		return m
	}
	before := keys(taskBody)
	// the same spec, the same keys
	for id, k := range keys(taskBody) {
		if before[id] != k {
			t.Errorf("%s: key changed between two plans", id)
		}
	}
	// a changed task file changes its task steps only; a changed task
	// count the steps of that set only; the imatrix text changes the en
	// quants and so their task steps
	os.WriteFile(filepath.Join(dir, "mc.bin"), []byte("changed"), 0o644)
	for _, c := range []struct {
		body string
		want func(id string) bool
	}{
		{taskBody, func(id string) bool { return strings.HasPrefix(id, "task:") && strings.HasSuffix(id, "/mc") }},
		{strings.Replace(taskBody, "tasks: 10", "tasks: 11", 1), func(id string) bool { return strings.HasPrefix(id, "task:") }},
		{strings.Replace(taskBody, "mode: hellaswag, tasks: 10}", "mode: hellaswag, tasks: 10, parallel: 8}", 1), func(id string) bool {
			return strings.HasPrefix(id, "task:") && (strings.HasSuffix(id, "/mc") || strings.HasSuffix(id, "/hs"))
		}},
	} {
		after := keys(c.body)
		for id, k := range before {
			if changed := after[id] != k; changed != c.want(id) {
				t.Errorf("%s: changed %v, want %v", id, changed, c.want(id))
			}
		}
	}
	os.WriteFile(filepath.Join(dir, "en.txt"), []byte("other text"), 0o644)
	after := keys(taskBody)
	if after["task:en/M/hs"] == before["task:en/M/hs"] || after["task:none/M/hs"] != before["task:none/M/hs"] {
		t.Errorf("imatrix text change: en %v none %v", after["task:en/M/hs"] != before["task:en/M/hs"], after["task:none/M/hs"] != before["task:none/M/hs"])
	}
}
