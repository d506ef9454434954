package study

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/study/engine"
	"github.com/calibkit/calibkit/study/results"
	"github.com/calibkit/calibkit/study/spec"
	"github.com/calibkit/calibkit/tasks"
)

const taskStudy = `imatrix:
  - none
  - {name: en, text: en.raw}
variants:
  - M
  - {name: q8, type: Q8_0}
eval:
  - {name: en, file: en.raw}
tasks:
  - {name: mc, file: mc.bin, mode: multiple-choice}
settings:
  ctx: 64
  threads: 2
  flash_attn: "off"
`

// taskFixture is fixture with a multiple-choice file of n tasks (mc.bin)
// made from the English sample's words.
func taskFixture(t *testing.T, body string, n int) (string, *spec.Spec) {
	t.Helper()
	dir, _ := fixture(t, "imatrix: [none]\nvariants: [M]\neval: [{name: en, file: en.raw}]\n")
	text, err := os.ReadFile(filepath.Join(dir, "en.raw"))
	if err != nil {
		t.Fatal(err)
	}
	words := strings.Fields(string(text))
	var mc []tasks.MultipleChoiceTask
	for i := range n {
		w := words[(i*37)%(len(words)-40):]
		tk := tasks.MultipleChoiceTask{Question: "Question: " + strings.Join(w[:8], " ") + "\nAnswer:", Labels: make([]int32, 4)}
		for j := range 4 {
			tk.Answers = append(tk.Answers, strings.Join(w[10+3*j:12+3*j+j%2], " "))
		}
		tk.Labels[i%4] = 1
		mc = append(mc, tk)
	}
	var b bytes.Buffer
	if err := tasks.WriteMultipleChoice(&b, mc); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "mc.bin"), b.Bytes(), 0o644)
	p := filepath.Join(dir, "study.yaml")
	os.WriteFile(p, []byte("name: tiny\nmodel: "+tinyModel(t)+"\n"+body), 0o644)
	return dir, mustLoad(t, p)
}

// exactP is McNemar's exact two-sided p-value in exact rationals.
func exactP(b, c int) float64 {
	if b+c == 0 {
		return 1
	}
	tail := new(big.Rat)
	for i := 0; i <= min(b, c); i++ {
		tail.Add(tail, new(big.Rat).SetFrac(new(big.Int).Binomial(int64(b+c), int64(i)), new(big.Int).Lsh(big.NewInt(1), uint(b+c))))
	}
	f, _ := tail.Float64()
	return math.Min(1, 2*f)
}

func TestStudyWithTaskSet(t *testing.T) {
	dir, s := taskFixture(t, taskStudy, 60)
	out := filepath.Join(dir, "linked")
	res, err := Run(context.Background(), Options{Spec: s, Dir: out, Engine: engine.Linked{}})
	if err != nil {
		t.Fatalf("%v %+v", err, res)
	}
	if len(res.Records) != 8 || res.Computed != len(res.Plan.Steps) {
		t.Fatalf("%d records, %d of %d steps computed", len(res.Records), res.Computed, len(res.Plan.Steps))
	}
	recs, _, err := results.Read(filepath.Join(out, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	byCell := map[string]*results.Record{}
	for _, r := range recs {
		byCell[r.Cell] = r
		if r.Task == "" {
			continue
		}
		ts := r.TaskScore
		if ts == nil || ts.Scored != 60 || len(ts.Items) != 60 || ts.Mode != "multiple-choice" || ts.SHA256 == "" || r.PPL != 0 || r.Eval != "" {
			t.Fatalf("record %s: %+v", r.Cell, r)
		}
		correct := 0
		for i, it := range ts.Items {
			if it.Pos != i || it.Task < 0 {
				t.Fatalf("%s item %d: %+v", r.Cell, i, it)
			}
			if it.Correct {
				correct++
			}
		}
		if correct != ts.Correct || math.Abs(ts.Accuracy-100*float64(correct)/60) > 1e-4 || ts.Wilson95[0] > ts.Accuracy || ts.Wilson95[1] < ts.Accuracy {
			t.Errorf("%s: %d correct by item, %+v", r.Cell, correct, ts.TaskResult)
		}
	}
	// the paired test, counted here from the records
	cmp := results.CompareTasks(recs)
	for _, v := range []string{"M", "q8"} {
		a, base := byCell["en/"+v+"/mc"], byCell["none/"+v+"/mc"]
		b, c := 0, 0
		for i := range a.TaskScore.Items {
			x, y := a.TaskScore.Items[i].Correct, base.TaskScore.Items[i].Correct
			if x && !y {
				b++
			}
			if y && !x {
				c++
			}
		}
		p, ok := cmp[a.Cell]
		if !ok || p.CellOnly != b || p.BaseOnly != c || math.Abs(p.P-exactP(b, c)) > 1e-9 || math.Abs(p.Diff-100*float64(b-c)/60) > 1e-9 {
			t.Errorf("%s: %+v, want b=%d c=%d p=%g", a.Cell, p, b, c, exactP(b, c))
		}
		t.Logf("%s: %d/%d correct against %d/%d; discordant %d/%d, p %.3g", v, a.TaskScore.Correct, 60, base.TaskScore.Correct, 60, b, c, p.P)
	}
	md, _ := os.ReadFile(filepath.Join(out, "results.md"))
	for _, want := range []string{"| variant | imatrix | en |", "| variant | imatrix | mc (multiple-choice, 60 tasks) |", "| q8 | none |", "(baseline)", "McNemar", " pp ["} {
		if !strings.Contains(string(md), want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
	csv, _ := os.ReadFile(filepath.Join(out, "results.csv"))
	if !strings.Contains(string(csv), ",mcnemar_p,kld_ratio_vs_baseline,kld_ratio_lo95,kld_ratio_hi95\n") || strings.Count(string(csv), ",mc,multiple-choice,") != 4 {
		t.Errorf("results.csv:\n%s", csv)
	}
	for _, f := range []string{"chart-en.png", "chart-task-mc.png"} {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// a rerun does no model work; the report rebuilt from results.jsonl
	// is the same
	again, err := Run(context.Background(), Options{Spec: s, Dir: out, Engine: engine.Linked{}})
	if err != nil || again.Computed != 0 || again.Cached != len(res.Plan.Steps) {
		t.Fatalf("rerun: %v, %d computed", err, again.Computed)
	}
	os.Remove(filepath.Join(out, "results.md"))
	if _, err := results.Build(out, ""); err != nil {
		t.Fatal(err)
	}
	if md2, _ := os.ReadFile(filepath.Join(out, "results.md")); !bytes.Equal(md, md2) {
		t.Errorf("report rebuilt differently:\n%s\n---\n%s", md, md2)
	}

	// llama.cpp's own llama-perplexity gives the same per-task outcomes on
	// the Q8_0 quants, which both engines write byte for byte alike (the
	// k-quants differ in the last bit: docs/quantize.md)
	tools := os.Getenv("CALIBKIT_LLAMA_CPP")
	if tools == "" {
		t.Log("CALIBKIT_LLAMA_CPP is unset: the external engine is not compared")
		return
	}
	ext, err := engine.NewExternal(tools)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := Run(context.Background(), Options{Spec: s, Dir: filepath.Join(dir, "llama.cpp"), Engine: ext})
	if err != nil {
		t.Fatal(err)
	}
	tc := results.CompareTasks(theirs.Records)
	for i, a := range res.Records {
		b := theirs.Records[i]
		if a.Task == "" || a.Variant != "q8" {
			continue
		}
		if a.Cell != b.Cell || a.TaskScore.Correct != b.TaskScore.Correct || a.TaskScore.Accuracy != b.TaskScore.Accuracy {
			t.Errorf("%s: linked %d correct, llama.cpp %d", a.Cell, a.TaskScore.Correct, b.TaskScore.Correct)
			continue
		}
		for j := range a.TaskScore.Items {
			if a.TaskScore.Items[j].Correct != b.TaskScore.Items[j].Correct {
				t.Errorf("%s task at %d: linked %v", a.Cell, j, a.TaskScore.Items[j].Correct)
			}
		}
		if cmp[a.Cell] != tc[b.Cell] {
			t.Errorf("%s: paired %+v and %+v", a.Cell, cmp[a.Cell], tc[b.Cell])
		}
	}
}

func TestStudyBadTaskFile(t *testing.T) {
	body := strings.Replace(taskStudy, "  - {name: en, text: en.raw}\n", "", 1)
	body = strings.Replace(body, "  - M\n", "", 1)
	body = strings.Replace(body, "tasks:\n", "tasks:\n  - {name: cut, file: cut.bin, mode: multiple-choice}\n", 1)
	dir, _ := taskFixture(t, taskStudy, 8)
	b, _ := os.ReadFile(filepath.Join(dir, "mc.bin"))
	os.WriteFile(filepath.Join(dir, "cut.bin"), b[:len(b)-7], 0o644)
	p := filepath.Join(dir, "bad.yaml")
	os.WriteFile(p, []byte("name: tiny\nmodel: "+tinyModel(t)+"\n"+body), 0o644)
	s := mustLoad(t, p)
	out := filepath.Join(dir, "out")
	res, err := Run(context.Background(), Options{Spec: s, Dir: out, Engine: engine.Linked{}})
	if !errors.Is(err, ErrStepsFailed) || len(res.Failed) != 1 || res.Failed[0].Step != "task:none/q8/cut" ||
		!strings.Contains(res.Failed[0].Err, "cut.bin") || len(res.Records) != 2 {
		t.Fatalf("%v %+v", err, res)
	}
	t.Log(res.Failed[0].Err)
	if _, err := os.Stat(res.Failed[0].Log); err != nil {
		t.Errorf("no log: %v", err)
	}
	if ents, _ := filepath.Glob(filepath.Join(out, "steps", "task", "*")); len(ents) != 1 {
		t.Errorf("task entries %v: want the good one only", ents)
	}
	// the task set's name is in the error of a spec naming a missing file
	os.Remove(filepath.Join(dir, "cut.bin"))
	if _, err := spec.Load(p); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("task file %s does not exist", filepath.Join(dir, "cut.bin"))) {
		t.Errorf("error %v", err)
	}
}
