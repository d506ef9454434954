package democmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/study"
	"github.com/calibkit/calibkit/study/results"
	"github.com/calibkit/calibkit/study/spec"
)

// demoStudy is the grid the demo runs through the study runner: four
// imatrix sources (none, the English-only mix, the half-Japanese mix, the
// three-language mix) × the study's M and L variants × the English sample
// and the Japanese and Chinese eval sets, and a small multiple-choice task
// set from the English sample. Paths are relative to DIR/study, where the spec is written so that
// it can be edited and run again with calibkit study run.
const demoStudy = `# The demo's study: edit and rerun with
#   calibkit study run study.yaml -o .
# (only the steps whose inputs or parameters changed are run again).
name: calibkit demo
model: ../model/tiny.gguf
imatrix:
  - none
  - name: en
    text: ../sweep/share-0.txt
  - name: en+ja
    text: ../sweep/share-0.5.txt
  - name: en+ja+zh
    text: ../mix/en-ja-zh.txt
variants: [M, L]
eval:
  - name: en
    file: ../samples/wikitext-sample.raw
  - name: ja
    file: ../eval/ja-wiki.test.raw
  - name: zh
    file: ../eval/zh-wiki.test.raw
tasks:
  - name: next-words
    file: next-words.mc
    mode: multiple-choice
settings:
  ctx: 64
  baseline: none
`

// studyGrid writes DIR/study/study.yaml and runs it with the study runner
// (the linked llama.cpp), then prints the table and where the report is.
func studyGrid(ctx context.Context, s *State) error {
	if s.Files["model"] == "" || len(s.Inputs["sweep.mixes"]) == 0 || s.Files["eval.ja"] == "" || s.Files["eval.zh"] == "" || s.Files["mix.languages"] == "" {
		return fmt.Errorf("no model, sweep mixes, eval sets or three-language mix (the earlier steps must run first)")
	}
	dir := filepath.Join(s.Dir, "study")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeDemoTasks(s.Files["samples.wikitext"], filepath.Join(dir, demoTaskFile)); err != nil {
		return fmt.Errorf("demo task set: %w", err)
	}
	path := filepath.Join(dir, "study.yaml")
	if _, err := atomicfile.WriteFile(path, strings.NewReader(demoStudy)); err != nil {
		return err
	}
	sp, err := spec.Load(path)
	if err != nil {
		return err
	}
	res, err := study.Run(ctx, study.Options{Spec: sp, Dir: dir})
	if err != nil {
		return err
	}
	cmp := results.Compare(res.Records)
	fmt.Fprintf(s.IO.Out, "      %-8s %-8s %-4s %22s  %s\n", "variant", "imatrix", "eval", "PPL", "against none (paired, 95%)")
	var taskRecs []*results.Record
	for _, r := range res.Records {
		if r.TaskScore != nil {
			taskRecs = append(taskRecs, r)
			continue
		}
		vs := "(baseline)"
		if p, ok := cmp[r.Cell]; ok {
			ratio, lo, hi := p.PPLRatio()
			vs = fmt.Sprintf("×%.4f [%.4f, %.4f]", ratio, lo, hi)
			if p.Significant() {
				vs += " *"
			}
		}
		fmt.Fprintf(s.IO.Out, "      %-8s %-8s %-4s %22s  %s\n", r.Variant, r.Source, r.Eval, results.FormatPPL(r.PPL, r.PPLError), vs)
	}
	fmt.Fprintf(s.IO.Out, "      (* the interval leaves out 1; %d steps run, %d cached)\n", res.Computed, res.Cached)
	if len(taskRecs) > 0 {
		tcmp := results.CompareTasks(taskRecs)
		fmt.Fprintf(s.IO.Out, "      %-8s %-8s %-10s %22s  %s\n", "variant", "imatrix", "tasks", "accuracy %", "against none (per task, McNemar)")
		for _, r := range taskRecs {
			vs := "(baseline)"
			if p, ok := tcmp[r.Cell]; ok {
				vs = fmt.Sprintf("%+.1f pp [%+.1f, %+.1f], p %.2g", p.Diff, p.Lo, p.Hi, p.P)
				if p.Significant() {
					vs += " *"
				}
			}
			ts := r.TaskScore
			fmt.Fprintf(s.IO.Out, "      %-8s %-8s %-10s %22s  %s\n", r.Variant, r.Source, r.Task, fmt.Sprintf("%.1f ± %.1f of %d", ts.Accuracy, ts.StdErr, ts.Scored), vs)
		}
		fmt.Fprintf(s.IO.Out, "      (a random-weight model scores about chance, 25%%, on these %d tasks)\n", demoTaskCount)
	}
	fmt.Fprintf(s.IO.Out, "      spec: %s (edit it and run: calibkit study run %s -o %s)\n", s.rel(path), path, dir)
	fmt.Fprintf(s.IO.Out, "      table: %s\n", s.rel(res.Report.Markdown))
	for _, c := range res.Report.Charts {
		fmt.Fprintf(s.IO.Out, "      chart: %s\n", s.rel(c))
	}
	s.Files["study"] = dir
	return nil
}
