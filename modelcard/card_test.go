package modelcard

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/calibkit/calibkit/study/results"
)

// splitCard returns a card's YAML header, decoded strictly, and its body.
func splitCard(t *testing.T, card []byte) (Header, string) {
	t.Helper()
	s, ok := strings.CutPrefix(string(card), "---\n")
	if !ok {
		t.Fatalf("card does not start with front matter:\n%.300s", card)
	}
	y, body, ok := strings.Cut(s, "\n---\n")
	if !ok {
		t.Fatal("front matter not closed")
	}
	var h Header
	dec := yaml.NewDecoder(strings.NewReader(y + "\n"))
	dec.KnownFields(true)
	if err := dec.Decode(&h); err != nil {
		t.Fatalf("front matter: %v\n%s", err, y)
	}
	return h, body
}

// table returns the rows of the first markdown table after heading, each
// row's cells split on unescaped |.
func table(t *testing.T, body, heading string) [][]string {
	t.Helper()
	i := strings.Index(body, heading)
	if i < 0 {
		t.Fatalf("no %q in the card", heading)
	}
	var rows [][]string
	for _, line := range strings.Split(body[i:], "\n")[1:] {
		if !strings.HasPrefix(line, "|") {
			if len(rows) > 0 {
				break
			}
			continue
		}
		line = strings.ReplaceAll(line, `\|`, "\x00")
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "|"), "|") {
			cells = append(cells, strings.TrimSpace(strings.ReplaceAll(c, "\x00", "|")))
		}
		rows = append(rows, cells)
	}
	return rows
}

func TestCardFromStudy(t *testing.T) {
	dir := fixtureStudy(t)
	recs, _, err := results.Read(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var taskRecs []*results.Record
	all := results.Latest(recs)
	recs = recs[:0]
	for _, r := range all {
		if r.Task != "" {
			taskRecs = append(taskRecs, r)
		} else {
			recs = append(recs, r)
		}
	}
	repo := t.TempDir()
	out := filepath.Join(repo, "README.md")
	res, err := Write(context.Background(), Options{Dir: dir, Output: out, Command: []string{"calibkit", "export", "model-card", dir, "-o", out}})
	if err != nil {
		t.Fatal(err)
	}
	card, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	h, body := splitCard(t, card)

	t.Run("header", func(t *testing.T) {
		for _, tag := range []string{"gguf", "imatrix", "quantized"} {
			if !slices.Contains(h.Tags, tag) {
				t.Errorf("tags %v lack %s", h.Tags, tag)
			}
		}
		if h.BaseModel != "" || h.License != "unknown" {
			t.Errorf("a local model has no base_model and no license: %+v", h)
		}
		if !slices.Contains(h.Language, "ja") {
			t.Errorf("language %v: the en+ja mix's manifest records a ja part", h.Language)
		}
		if !strings.Contains(body, "Base model: unknown") || !strings.Contains(body, "License: unknown") {
			t.Error("the body does not say base model and license are unknown")
		}
	})

	t.Run("tasks", func(t *testing.T) {
		if len(taskRecs) == 0 {
			t.Fatal("the fixture study has no task records")
		}
		rows := table(t, body, "## Task accuracy")
		if len(rows[0]) != 3 || !strings.HasPrefix(rows[0][2], "mc (multiple-choice, 12 tasks)") {
			t.Fatalf("task table header %q", rows[0])
		}
		at := map[string]string{}
		for _, r := range rows[2:] {
			at[r[0]+"/"+r[1]] = r[2]
		}
		cmp := results.CompareTasks(taskRecs)
		for _, r := range taskRecs {
			ts := r.TaskScore
			want := results.FormatAccuracy(ts)
			if p, ok := cmp[r.Cell]; ok {
				want += "<br>" + p.String()
			}
			if got := at[r.Variant+"/"+r.Source]; !strings.HasPrefix(strings.ReplaceAll(got, "**", ""), want) {
				t.Errorf("%s × %s: task cell %q, want it to start with %q", r.Variant, r.Source, got, want)
			}
		}
		if len(at) != len(taskRecs) {
			t.Errorf("%d task rows for %d task records", len(at), len(taskRecs))
		}
		for _, v := range []string{"M", "q8"} {
			if want := v + " × short on mc: failed: step imatrix:short"; !strings.Contains(body, want) {
				t.Errorf("the card does not list %q among the task cells without a result", want)
			}
		}
		if !strings.Contains(body, "chart-task-mc.png") {
			t.Error("the task chart is not linked")
		}
	})

	t.Run("table", func(t *testing.T) {
		rows := table(t, body, "## Results")
		evals := []string{"en", "ja"}
		if want := append([]string{"variant", "imatrix"}, evals...); !slices.Equal(rows[0], want) {
			t.Fatalf("header row %q, want %q", rows[0], want)
		}
		cmp := results.Compare(recs)
		at := map[string][]string{}
		for _, r := range rows[2:] {
			if len(r) != 2+len(evals) {
				t.Fatalf("row %q: want %d cells", r, 2+len(evals))
			}
			at[r[0]+"/"+r[1]] = r[2:]
		}
		// a row per variant × source: the failed source's rows included
		for _, v := range []string{"M", "q8"} {
			for _, s := range []string{"none", "en", "en+ja", "short"} {
				if _, ok := at[v+"/"+s]; !ok {
					t.Errorf("no row for %s × %s", v, s)
				}
			}
		}
		if len(at) != 8 {
			t.Errorf("%d rows, want 8", len(at))
		}
		for _, r := range recs {
			cell := at[r.Variant+"/"+r.Source][slices.Index(evals, r.Eval)]
			want := results.FormatPPL(r.PPL, r.PPLError)
			if p, ok := cmp[r.Cell]; ok {
				ratio, lo, hi := p.PPLRatio()
				want += fmt.Sprintf("<br>×%.4f [%.4f, %.4f]", ratio, lo, hi)
			}
			if !strings.HasPrefix(strings.ReplaceAll(cell, "**", ""), want) {
				t.Errorf("cell %s: %q, want %q from results.jsonl", r.Cell, cell, want)
			}
		}
		for _, v := range []string{"M", "q8"} {
			for _, c := range at[v+"/short"] {
				if !strings.HasPrefix(c, "failed: step imatrix:short") || !strings.Contains(c, "logs/imatrix-short.log") {
					t.Errorf("failed cell shown as %q", c)
				}
			}
		}
		// the short source's 4 perplexity cells and its 2 task cells
		if res.Results != len(recs)+len(taskRecs) || len(res.Missing) != 6 || res.Cells != len(recs)+len(taskRecs)+6 {
			t.Errorf("result: %d results, %d missing of %d", res.Results, len(res.Missing), res.Cells)
		}
	})

	t.Run("charts", func(t *testing.T) {
		for _, name := range []string{"chart-en.png", "chart-ja.png"} {
			got, err := os.ReadFile(filepath.Join(repo, name))
			want, _ := os.ReadFile(filepath.Join(dir, name))
			if err != nil || !bytes.Equal(got, want) || len(want) == 0 {
				t.Errorf("%s beside the card: %v", name, err)
			}
			if !strings.Contains(body, "!["+name+"]("+name+")") {
				t.Errorf("the card does not link %s", name)
			}
		}
	})

	t.Run("sources", func(t *testing.T) {
		rows := table(t, body, "## Imatrix sources")
		by := map[string][]string{}
		for _, r := range rows[2:] {
			by[r[0]] = r
		}
		for _, r := range recs {
			if r.SourceBytes > 0 && by[r.Source][3] != fmt.Sprint(r.SourceBytes) {
				t.Errorf("source %s bytes %q, record %d", r.Source, by[r.Source][3], r.SourceBytes)
			}
			if r.SourceTokens > 0 && by[r.Source][4] != fmt.Sprint(r.SourceTokens) {
				t.Errorf("source %s tokens %q, record %d", r.Source, by[r.Source][4], r.SourceTokens)
			}
		}
		if !strings.Contains(by["en+ja"][6], "ja ") || by["en"][6] != "unknown" {
			t.Errorf("languages: en+ja %q, en %q (en.raw has no manifest)", by["en+ja"][6], by["en"][6])
		}
		if !strings.Contains(body, "`en`: no manifest (en.raw.manifest.json)") {
			t.Error("the card does not say en.raw has no manifest")
		}
	})

	t.Run("commands", func(t *testing.T) {
		for _, want := range []string{
			"calibkit study run " + filepath.Join(filepath.Dir(dir), "study.yaml") + " -o " + dir,
			"llama-imatrix -m \"$MODEL\" -f " + filepath.Join(filepath.Dir(dir), "en.raw") + " -o imatrix-en.gguf --output-format gguf -c 64 -b 2048 -fa off",
			"llama-quantize --imatrix imatrix-en+ja.gguf \"$MODEL\" model-M-en+ja.gguf Q4_K_M",
			"llama-quantize \"$MODEL\" model-q8-none.gguf Q8_0",
			"llama-perplexity -m model-q8-en.gguf -f " + filepath.Join(filepath.Dir(dir), "en.raw") + " --ppl-output-type 1 -c 64 -b 2048 -fa off",
			"calibkit perplexity -m model-M-none.gguf -f " + filepath.Join(filepath.Dir(dir), "en.raw") + " -c 64 -b 2048\n",
			"MODEL=" + filepath.Join(filepath.Dir(dir), "tiny.gguf"),
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the card lacks %q", want)
			}
		}
		if strings.Contains(body, "--step") {
			t.Error("the card prints the runner's internal --step command")
		}
	})

	t.Run("caveats", func(t *testing.T) {
		for _, want := range []string{"- From the study's spec: The en+ja mix holds about twice the text of en.", "not the usual 512", "comparisons with the baseline are within the noise", "6 of the study's"} {
			if !strings.Contains(body, want) {
				t.Errorf("caveats lack %q", want)
			}
		}
	})

	if _, err := os.Stat(filepath.Join(repo, "README.md.manifest.json")); err != nil {
		t.Error(err)
	}
}
