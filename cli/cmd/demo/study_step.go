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

// demoStudy is the grid the demo runs through the study runner on its
// trained model: three imatrix sources (none, and English and Japanese
// Wikipedia calibration text cut to the same number of chunks) × Q2_K and
// IQ3_S × English and Japanese eval text, each quant scored with
// perplexity and with KL divergence against the unquantized model, and a
// small multiple-choice task set from the English eval text. Paths are
// relative to DIR/study, where the spec is written so that it can be
// edited and run again with calibkit study run.
const demoStudy = `# The demo's study: edit and rerun with
#   calibkit study run study.yaml -o .
# (only the steps whose inputs or parameters changed are run again).
name: calibkit demo
notes:
  - The model was trained for the demo on about 100,000 tokens of Japanese and English Wikipedia text; the eval and calibration articles were held out from training.
  - Both imatrix texts are cut to the same number of chunks, so language is not confounded with size.
model: ../model/ja-en.gguf
imatrix:
  - none
  - name: en
    text: ../wiki/calib-en.txt
  - name: ja
    text: ../wiki/calib-ja.txt
variants:
  - name: Q2_K
    type: Q2_K
  - name: IQ3_S
    type: IQ3_S
eval:
  - name: en
    file: ../wiki/eval-en.txt
  - name: ja
    file: ../wiki/eval-ja.txt
tasks:
  - name: next-words
    file: next-words.mc
    mode: multiple-choice
settings:
  ctx: 256
  imatrix_chunks: 40
  kld_base: ../model/ja-en.gguf
  baseline: none
`

// studyGrid writes DIR/study/study.yaml and runs it with the study runner
// (the linked llama.cpp), then prints the table, what it shows in words,
// and where the report is.
func studyGrid(ctx context.Context, s *State) error {
	if s.Files["model"] == "" || s.Files["wiki.eval-en"] == "" || s.Files["wiki.calib-ja"] == "" {
		return fmt.Errorf("no trained model or Wikipedia texts (the earlier steps must run first)")
	}
	dir := filepath.Join(s.Dir, "study")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeDemoTasks(s.Files["wiki.eval-en"], filepath.Join(dir, demoTaskFile)); err != nil {
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
	sp.Settings.Threads = s.Threads
	res, err := study.Run(ctx, study.Options{Spec: sp, Dir: dir})
	if err != nil {
		return err
	}
	printStudy(s, res.Records)
	fmt.Fprintf(s.IO.Out, "      (%d steps run, %d cached)\n", res.Computed, res.Cached)
	fmt.Fprintf(s.IO.Out, "      spec: %s (edit it and run: calibkit study run %s -o %s)\n", s.rel(path), path, dir)
	fmt.Fprintf(s.IO.Out, "      table: %s\n", s.rel(res.Report.Markdown))
	for _, c := range res.Report.Charts {
		fmt.Fprintf(s.IO.Out, "      chart: %s\n", s.rel(c))
	}
	s.Files["study"] = dir
	return nil
}

// printStudy prints the grid's table (PPL and mean KLD, each with its
// paired ratio to the no-imatrix cell), the task table, and in words what
// the intervals show.
func printStudy(s *State, recs []*results.Record) {
	cmp, kcmp := results.Compare(recs), results.CompareKLD(recs)
	w := s.IO.Out
	fmt.Fprintf(w, "      %-8s %-7s %-4s %16s %-26s %18s  %s\n", "variant", "imatrix", "eval", "PPL", "PPL vs none (95%)", "mean KLD", "KLD vs none (95%)")
	var taskRecs []*results.Record
	for _, r := range recs {
		if r.TaskScore != nil {
			taskRecs = append(taskRecs, r)
			continue
		}
		pv, kv := "(baseline)", "(baseline)"
		if p, ok := cmp[r.Cell]; ok {
			ratio, lo, hi := p.PPLRatio()
			pv = fmt.Sprintf("×%.3f [%.3f, %.3f]%s", ratio, lo, hi, star(p.Significant()))
		}
		if p, ok := kcmp[r.Cell]; ok {
			kv = p.String() + star(p.Significant())
		}
		kld := ""
		if k, ok := r.KLD["Mean KLD"]; ok {
			kld = fmt.Sprintf("%.4f ± %.4f", k.Value, k.Err)
		}
		fmt.Fprintf(w, "      %-8s %-7s %-4s %16s %-26s %18s  %s\n", r.Variant, r.Source, r.Eval, results.FormatPPL(r.PPL, r.PPLError), pv, kld, kv)
	}
	fmt.Fprintf(w, "      (ratios are paired chunk by chunk against the no-imatrix quant; * the 95%% interval leaves out 1)\n")
	if len(taskRecs) > 0 {
		tcmp := results.CompareTasks(taskRecs)
		fmt.Fprintf(w, "      %-8s %-7s %-10s %20s  %s\n", "variant", "imatrix", "tasks", "accuracy %", "against none (per task, McNemar)")
		for _, r := range taskRecs {
			vs := "(baseline)"
			if p, ok := tcmp[r.Cell]; ok {
				vs = p.String() + star(p.Significant())
			}
			fmt.Fprintf(w, "      %-8s %-7s %-10s %20s  %s\n", r.Variant, r.Source, r.Task, results.FormatAccuracy(r.TaskScore), vs)
		}
		fmt.Fprintf(w, "      (chance is 25%% on these %d tasks, too few to tell quants apart)\n", demoTaskCount)
	}
	fmt.Fprintf(w, "\n      What the table shows:\n")
	for _, line := range findings(recs) {
		fmt.Fprintf(w, "      - %s\n", line)
	}
}

func star(sig bool) string {
	if sig {
		return " *"
	}
	return ""
}
