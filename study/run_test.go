package study

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/coverage"
	"github.com/calibkit/calibkit/study/results"
	"github.com/calibkit/calibkit/study/spec"
)

func TestRunExternalGridAndRerun(t *testing.T) {
	tools := llamaCpp(t)
	dir, s := fixture(t, gridBody)
	out := filepath.Join(dir, "out")
	res, err := Run(context.Background(), Options{Spec: s, Dir: out, LlamaCpp: tools})
	if err != nil {
		t.Fatalf("%v %+v", err, res)
	}
	if len(res.Records) != 12 || res.Computed != len(res.Plan.Steps) || res.Cached != 0 {
		t.Fatalf("%d records, %d computed of %d", len(res.Records), res.Computed, len(res.Plan.Steps))
	}
	recs, skipped, err := results.Read(filepath.Join(out, results.FileName))
	if err != nil || skipped != 0 || len(recs) != 12 {
		t.Fatalf("%d records, %d skipped, %v", len(recs), skipped, err)
	}
	for _, r := range recs {
		if r.PPL <= 1 || r.PPLError <= 0 || len(r.ChunkNLL) < 2 || r.QuantBytes == 0 || r.Engine != res.Plan.Engine {
			t.Errorf("record %s: %+v", r.Cell, r)
		}
		if r.Source != "none" && (r.SourceBytes == 0 || r.ImatrixChunks < 2) {
			t.Errorf("record %s: source bytes %d, %d imatrix chunks", r.Cell, r.SourceBytes, r.ImatrixChunks)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "results.md"))
	for _, want := range []string{"| variant | imatrix | en | ja |", "| q8 | en+ja |", "(baseline)", "×"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("results.md lacks %q:\n%s", want, md)
		}
	}
	for _, f := range []string{"results.csv", "chart-en.png", "chart-ja.png", "plan.json"} {
		if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// A rerun does no model work and appends nothing.
	again, err := Run(context.Background(), Options{Spec: s, Dir: out, LlamaCpp: tools})
	if err != nil || again.Computed != 0 || again.Cached != len(res.Plan.Steps) {
		t.Fatalf("rerun: %v, %d computed", err, again.Computed)
	}
	if recs2, _, _ := results.Read(filepath.Join(out, results.FileName)); len(recs2) != 12 {
		t.Errorf("rerun appended: %d records", len(recs2))
	}
	// A changed input invalidates exactly what depends on it: the English
	// text feeds the en and en+ja sources and the en eval set.
	b, _ := os.ReadFile(filepath.Join(dir, "en.raw"))
	os.WriteFile(filepath.Join(dir, "en.raw"), append(b, []byte(" = Extra = \n\n A changed line of the base text . \n")...), 0o644)
	third, err := Run(context.Background(), Options{Spec: s, Dir: out, LlamaCpp: tools})
	if err != nil {
		t.Fatal(err)
	}
	// unchanged: eval:ja, quantize none/M, none/q8, ppl none/*/ja
	if third.Cached != 5 {
		t.Errorf("after a change: %d cached, %d computed, want 5 cached", third.Cached, third.Computed)
	}
}

func TestRunResumesAfterCancel(t *testing.T) {
	tools := llamaCpp(t)
	dir, s := fixture(t, gridBody)
	out := filepath.Join(dir, "out")
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	log := writerFunc(func(p []byte) {
		if strings.Contains(string(p), ": done") {
			if n++; n == 3 {
				cancel()
			}
		}
	})
	_, err := Run(ctx, Options{Spec: s, Dir: out, LlamaCpp: tools, Log: log})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "rerun the same command") {
		t.Fatalf("error %v", err)
	}
	res, err := Run(context.Background(), Options{Spec: s, Dir: out, LlamaCpp: tools})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cached != 3 || res.Computed != len(res.Plan.Steps)-3 {
		t.Errorf("after resuming: %d cached, %d computed of %d", res.Cached, res.Computed, len(res.Plan.Steps))
	}
}

type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

func TestRunFailedStepOthersGoOn(t *testing.T) {
	tools := llamaCpp(t)
	body := strings.Replace(gridBody, "factor: {ja: 1}", "factor: {ja: 100}", 1) // more Japanese than the corpus holds
	dir, s := fixture(t, body)
	out := filepath.Join(dir, "out")
	res, err := Run(context.Background(), Options{Spec: s, Dir: out, LlamaCpp: tools})
	if !errors.Is(err, ErrStepsFailed) {
		t.Fatalf("error %v", err)
	}
	if len(res.Failed) != 1 || res.Failed[0].Step != "mix:en+ja" || !strings.Contains(res.Failed[0].Err, "source ja needs") {
		t.Fatalf("failed %+v", res.Failed)
	}
	if log, _ := os.ReadFile(res.Failed[0].Log); !strings.Contains(string(log), "FAILED") {
		t.Errorf("log %q", log)
	}
	if len(res.Records) != 8 {
		t.Errorf("%d records, want the 8 cells without en+ja", len(res.Records))
	}
	// the page says which step failed, where its log is, what it said
	// and which cells have no record for it
	page, err := os.ReadFile(filepath.Join(out, results.PageFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1 step(s) failed", "mix:en+ja", res.Failed[0].Log, "FAILED", "en+ja/M/en"} {
		if !strings.Contains(html.UnescapeString(string(page)), want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

func TestTruncatedResultsLineIsRedone(t *testing.T) {
	tools := llamaCpp(t)
	dir, s := fixture(t, gridBody)
	out := filepath.Join(dir, "out")
	if _, err := Run(context.Background(), Options{Spec: s, Dir: out, LlamaCpp: tools, Cells: []string{"0", "1"}}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, results.FileName)
	b, _ := os.ReadFile(path)
	os.WriteFile(path, b[:len(b)-40], 0o644) // a kill in the middle of the last line
	if recs, skipped, err := results.Read(path); err != nil || len(recs) != 1 || skipped != 1 {
		t.Fatalf("%d records, %d skipped, %v", len(recs), skipped, err)
	}
	if _, err := Run(context.Background(), Options{Spec: s, Dir: out, LlamaCpp: tools, Cells: []string{"0", "1"}}); err != nil {
		t.Fatal(err)
	}
	recs, skipped, err := results.Read(path)
	if err != nil || len(recs) != 2 || skipped != 0 {
		t.Errorf("after the rerun: %d records, %d skipped, %v", len(recs), skipped, err)
	}
}

func TestCellOutOfRange(t *testing.T) {
	dir, s := fixture(t, gridBody)
	_, err := Run(context.Background(), Options{Spec: s, Dir: filepath.Join(dir, "out"), Cells: []string{"12"}})
	if err == nil || !strings.Contains(err.Error(), "cell 12 is out of range: the study has cells 0 to 11") {
		t.Errorf("error %v", err)
	}
	_, err = Run(context.Background(), Options{Spec: s, Dir: filepath.Join(dir, "out"), Cells: []string{"none/XL/en"}})
	if err == nil || !strings.Contains(err.Error(), `no cell "none/XL/en"`) {
		t.Errorf("error %v", err)
	}
}

// TestLinkedEngineGrid needs no llama.cpp tools: the whole grid runs in
// the linked llama.cpp (the default engine).
func TestLinkedEngineGrid(t *testing.T) {
	dir, s := fixture(t, strings.Replace(gridBody, "  - none\n", "", 1))
	res, err := Run(context.Background(), Options{Spec: s, Dir: filepath.Join(dir, "out")})
	if err != nil {
		t.Fatalf("%v %+v", err, res)
	}
	if len(res.Records) != 8 || res.Computed != len(res.Plan.Steps) || !strings.HasPrefix(res.Plan.Engine, "linked:") {
		t.Fatalf("%d records, %d computed of %d, engine %s", len(res.Records), res.Computed, len(res.Plan.Steps), res.Plan.Engine)
	}
	// the plain-text source's coverage is what calibkit coverage says of it
	want, err := coverage.Run(context.Background(), coverage.Options{Model: s.Model, Files: []string{filepath.Join(dir, "en.raw")}, Top: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Records {
		if r.PPL <= 1 || r.PPLError <= 0 || len(r.ChunkNLL) < 2 || r.SourceTokens == 0 || r.ImatrixChunks < 2 || r.QuantBytes == 0 {
			t.Errorf("record %s: %+v", r.Cell, r)
		}
		c := r.SourceCoverage
		if c == nil || c.TokensPerByte <= 0 || c.Share <= 0 || c.Share > 1 || len(c.Scripts) == 0 {
			t.Errorf("record %s: source coverage %+v", r.Cell, c)
			continue
		}
		if w := want.Summary(0); r.Source == "en" && (c.TokensPerByte != w.TokensPerByte || c.Share != w.Share || c.ShareK != w.ShareK) {
			t.Errorf("record %s: coverage %+v, calibkit coverage says %+v", r.Cell, c, w)
		}
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "out", "steps", "imatrix", "*", "imatrix.gguf"))
	if len(entries) != 2 {
		t.Errorf("imatrix entries %v", entries)
	}
	again, err := Run(context.Background(), Options{Spec: s, Dir: filepath.Join(dir, "out")})
	if err != nil || again.Computed != 0 {
		t.Errorf("rerun: %v, %d computed", err, again.Computed)
	}
}

func mustLoad(t *testing.T, path string) *spec.Spec {
	s, err := spec.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCellProcessesShareSteps runs one process per cell of a source at
// once (this test binary again): the imatrix every cell needs is computed
// once, and every cell gets its record.
func TestCellProcessesShareSteps(t *testing.T) {
	if cell := os.Getenv("STUDY_CHILD_CELL"); cell != "" {
		childRun(t, cell)
		return
	}
	tools := llamaCpp(t)
	dir, _ := fixture(t, gridBody)
	out := filepath.Join(dir, "out")
	var cmds []*exec.Cmd
	for _, cell := range []string{"4", "5", "6", "7"} { // the en source: M and q8, en and ja
		c := exec.Command(os.Args[0], "-test.run=^TestCellProcessesShareSteps$")
		c.Env = append(os.Environ(), "STUDY_CHILD_CELL="+cell, "STUDY_CHILD_SPEC="+filepath.Join(dir, "study.yaml"), "STUDY_CHILD_OUT="+out, "CALIBKIT_LLAMA_CPP="+tools)
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("cell process: %v", err)
		}
	}
	computed := map[string]int{}
	for _, cell := range []string{"4", "5", "6", "7"} {
		b, err := os.ReadFile(filepath.Join(out, "child-"+cell+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		json.Unmarshal(b, &steps)
		for _, s := range steps {
			computed[s]++
		}
	}
	for s, n := range computed {
		if n != 1 {
			t.Errorf("step %s computed %d times", s, n)
		}
	}
	if computed["imatrix:en"] != 1 {
		t.Errorf("imatrix:en computed %d times", computed["imatrix:en"])
	}
	recs, _, err := results.Read(filepath.Join(out, results.FileName))
	if err != nil || len(results.Latest(recs)) != 4 {
		t.Errorf("%d records, %v", len(recs), err)
	}
}

func childRun(t *testing.T, cell string) {
	s := mustLoad(t, os.Getenv("STUDY_CHILD_SPEC"))
	var computed []string
	log := writerFunc(func(p []byte) {
		for _, l := range strings.Split(strings.TrimSpace(string(p)), "\n") {
			if id, ok := strings.CutSuffix(l, ": done"); ok {
				computed = append(computed, id)
			}
		}
	})
	out := os.Getenv("STUDY_CHILD_OUT")
	if _, err := Run(context.Background(), Options{Spec: s, Dir: out, Cells: []string{cell}, LlamaCpp: os.Getenv("CALIBKIT_LLAMA_CPP"), Log: log}); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(computed)
	if err := os.WriteFile(filepath.Join(out, "child-"+cell+".json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(os.Stderr, "cell", cell, "computed", computed)
}

func TestRunSweepWithKLD(t *testing.T) {
	tools := llamaCpp(t)
	dir, s := fixture(t, `imatrix:
  - none
  - name: sh
    sweep:
      base: en.raw
      add: {ja: ja.jsonl}
      shares: [0, 1]
      total: "1200"
      nested: true
      repeats: 2
      chunk_tokens: 32
variants: [M]
eval:
  - {name: en, file: en.raw}
settings:
  ctx: 64
  threads: 2
  flash_attn: "on"
  kld_base: $MODEL
`)
	out := filepath.Join(dir, "out")
	res, err := Run(context.Background(), Options{Spec: s, Dir: out, LlamaCpp: tools})
	if err != nil {
		t.Fatalf("%v %+v", err, res.Failed)
	}
	if len(res.Records) != 5 {
		t.Fatalf("%d records", len(res.Records))
	}

	for _, r := range res.Records {
		k, ok := r.KLD["Mean KLD"]
		if !ok || k.Value <= 0 || r.KLD["Same top p"].Value <= 0 {
			t.Errorf("%s: KLD %+v", r.Cell, r.KLD)
		}
		if len(r.ChunkKLD) != len(r.ChunkNLL) || len(r.ChunkKLD) < 2 {
			t.Errorf("%s: %d chunk KLDs for %d chunks", r.Cell, len(r.ChunkKLD), len(r.ChunkNLL))
		}
		if r.Source != "none" && (r.Share == nil || r.Repeat < 1) {
			t.Errorf("%s: share %v repeat %d", r.Cell, r.Share, r.Repeat)
		}
	}
	for _, f := range []string{"sweep-sh-en.png", "sweep-sh-en-kld.png", "chart-en.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "results.md"))
	if !strings.Contains(string(md), "KL divergence against the unquantized model") || !strings.Contains(string(md), "| M | sh@1#2 |") {
		t.Errorf("results.md:\n%s", md)
	}
}
