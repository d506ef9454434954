package study

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/study/plan"
	"github.com/calibkit/calibkit/study/spec"
)

// TestExampleSpecsPlan loads each example spec beside stand-in inputs and
// plans it.
func TestExampleSpecsPlan(t *testing.T) {
	want := map[string]struct{ cells, sources int }{
		"imatrix-jpn-test.yaml": {18, 3},
		"ja-share-sweep.yaml":   {64, 16},
		"chat-vs-plain.yaml":    {16, 4},
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "examples", "studies", name))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for _, f := range []string{"model-f16.gguf", "model-it-f16.gguf", "calibration_datav3.txt", "ja-wiki.jsonl", "wiki.txt", "chat.jsonl", "wiki.test.raw"} {
				os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644)
			}
			p := filepath.Join(dir, name)
			os.WriteFile(p, b, 0o644)
			s, err := spec.Load(p)
			if err != nil {
				t.Fatal(err)
			}
			pl, err := plan.New(s, plan.Options{Engine: "linked:test", Model: s.Model})
			if err != nil {
				t.Fatal(err)
			}
			if len(pl.Cells) != w.cells || len(pl.Sources) != w.sources {
				t.Errorf("%d cells, %d sources; want %d, %d", len(pl.Cells), len(pl.Sources), w.cells, w.sources)
			}
			if name == "ja-share-sweep.yaml" && (pl.Baseline != "share@0#1" || pl.Step("sweep:share#3") == nil || pl.Step("imatrix:share@0.75#2") == nil) {
				t.Errorf("baseline %s; steps %v", pl.Baseline, pl.Steps[:3])
			}
			if name == "chat-vs-plain.yaml" && (pl.Baseline != "chat@0" || pl.Step("sweep:chat") == nil || pl.Step("imatrix:chat@0.5") == nil) {
				t.Errorf("baseline %s; steps %v", pl.Baseline, pl.Steps[:3])
			}
			if name == "imatrix-jpn-test.yaml" {
				mixStep := pl.Step("mix:plus-jpn")
				if mixStep == nil || len(mixStep.Deps) != 1 || mixStep.Deps[0] != "eval:ja-wiki.test.raw" {
					t.Errorf("the mix must wait for the eval set whose articles it leaves out: %+v", mixStep)
				}
				if c, err := pl.Cell("17"); err != nil || c.ID != "plus-jpn/fp16/ja-wiki.test.raw" {
					t.Errorf("cell 17: %+v %v", c, err)
				}
			}
			// The same spec plans the same keys (here, and on every host).
			again, _ := plan.New(s, plan.Options{Engine: "linked:test", Model: s.Model})
			for i, st := range pl.Steps {
				if again.Steps[i].Key != st.Key || !strings.Contains(st.ID, ":") {
					t.Fatalf("step %s: keys %s and %s", st.ID, st.Key, again.Steps[i].Key)
				}
			}
		})
	}
}
