package democmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/iostreams"
	"github.com/calibkit/calibkit/study/results"
	"github.com/calibkit/calibkit/study/spec"
)

func TestDemoStudyGrid(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	dir := filepath.Join(t.TempDir(), "demo")
	if err := demoRun(context.Background(), &Options{IO: io, Dir: dir, Workers: 2}, Steps()); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	// The spec it used is there to edit and rerun, and plans the same grid.
	s, err := spec.Load(filepath.Join(dir, "study", "study.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Imatrix)*len(s.Variants)*len(s.Eval) != 24 {
		t.Errorf("spec grid %d × %d × %d", len(s.Imatrix), len(s.Variants), len(s.Eval))
	}
	recs, skipped, err := results.Read(filepath.Join(dir, "study", results.FileName))
	if err != nil || skipped != 0 || len(recs) != 32 {
		t.Fatalf("%d records, %d skipped, %v", len(recs), skipped, err)
	}
	for _, r := range recs {
		if r.TaskScore != nil {
			if r.Task != "next-words" || r.TaskScore.Scored != demoTaskCount || len(r.TaskScore.Items) != demoTaskCount {
				t.Errorf("%s: %+v", r.Cell, r.TaskScore)
			}
			continue
		}
		if r.PPL <= 1 || len(r.ChunkNLL) < 2 || !strings.HasPrefix(r.Engine, "linked:") {
			t.Errorf("%s: %+v", r.Cell, r)
		}
	}
	for _, f := range []string{"results.md", "chart-en.png", "chart-ja.png", "chart-zh.png", "chart-task-next-words.png", "next-words.mc"} {
		if _, err := os.Stat(filepath.Join(dir, "study", f)); err != nil {
			t.Error(err)
		}
	}
	text := out.String()
	for _, want := range []string{"[8/8] study: 4 imatrix sources", "L        en+ja    ja", "M        en+ja+zh zh", "chart: study/chart-zh.png", "(baseline)", "×", "spec: study/study.yaml", "chart: study/chart-ja.png", "next-words", "McNemar", "chart: study/chart-task-next-words.png"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestDemoStudyNeedsInputs(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	err := demoRun(context.Background(), &Options{IO: io, Dir: t.TempDir(), Workers: 1}, []Step{{Name: "study", Run: studyGrid}})
	if err == nil || !strings.Contains(err.Error(), "must run first") {
		t.Errorf("error %v", err)
	}
}
