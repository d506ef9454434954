package tasks

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/calibkit/calibkit/internal/manifest"
)

func writeLines(t *testing.T, dir, name string, lines ...string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBuildConverters converts each dataset shape with one good row and
// rows missing a field or with a bad label, checks the good task read back
// and the bad rows counted and named.
func TestBuildConverters(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name  string
		lines []string
		check func(t *testing.T, out string)
	}{
		{"jcommonsenseqa", []string{
			`{"q_id": 0, "question": "主に子ども向けのもので、イラストのついた物語が書かれているものはどれ？", "choice0": "世界", "choice1": "写真集", "choice2": "絵本", "choice3": "論文", "choice4": "図鑑", "label": 2}`,
			`{"q_id": 1, "question": "x", "choice0": "a", "choice1": "b", "choice2": "c", "choice3": "d", "label": 1}`,
			`{"q_id": 2, "question": "x", "choice0": "a", "choice1": "b", "choice2": "c", "choice3": "d", "choice4": "e", "label": 7}`,
		}, func(t *testing.T, out string) {
			f := openMC(t, out)
			task, err := f.Task(0)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(task.Question, "質問：主に") || !strings.HasSuffix(task.Question, "\n答え：") || len(task.Answers) != 5 || task.Labels[2] != 1 || task.Answers[2] != "絵本" {
				t.Errorf("task %+v", task)
			}
		}},
		{"arc", []string{
			`{"id": "Mercury_1", "question": "Which is a gas?", "choices": {"text": ["ice", "steam", "rock"], "label": ["A", "B", "C"]}, "answerKey": "B"}`,
			`{"id": "Mercury_2", "question": "Which?", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "D"}`,
			`{"id": "Mercury_3", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "A"}`,
		}, func(t *testing.T, out string) {
			task, _ := openMC(t, out).Task(0)
			if task.Question != "Question: Which is a gas?\nAnswer:" || task.Labels[1] != 1 || len(task.Answers) != 3 {
				t.Errorf("task %+v", task)
			}
		}},
		{"mmlu", []string{
			`{"question": "2+2?", "subject": "math", "choices": ["3", "4", "5", "6"], "answer": 1}`,
			`{"question": "2+3?", "subject": "math", "choices": ["3", "", "5", "6"], "answer": 2}`,
			`not json`,
		}, func(t *testing.T, out string) {
			task, _ := openMC(t, out).Task(0)
			if task.Answers[1] != "4" || task.Labels[1] != 1 {
				t.Errorf("task %+v", task)
			}
		}},
		{"hellaswag", []string{
			`{"ind": 24, "activity_label": "Roof shingle removal", "ctx_a": "A man is sitting on a roof.", "ctx_b": "he", "ctx": "x", "endings": ["is using wrap to wrap a pair of skis.", "is ripping level tiles off.", "is holding a rubik's cube.", "starts pulling up roofing on a roof."], "source_id": "activitynet~v_-JhWjGDPHMY", "split": "val", "split_type": "zeroshot", "label": "3"}`,
			`{"ind": 25, "activity_label": "x", "ctx_a": "y", "ctx_b": "z", "endings": ["a", "b", "c", "d"], "label": ""}`,
			`{"ind": 26, "activity_label": "x", "ctx_a": "y", "endings": ["a", "b", "c", "d"], "label": "1"}`,
			`{"ind": 27, "activity_label": "Home [title] x", "ctx_a": "How to [step] do it.", "ctx_b": "THEN", "endings": "[\"a [x]\", \"b\", \"c\", \"d\"]", "label": "0"}`,
		}, func(t *testing.T, out string) {
			data, _ := os.ReadFile(out)
			ts, err := ReadHellaswag(bytes.NewReader(data), out)
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 2 || ts[0].Context != "Roof shingle removal: A man is sitting on a roof. He" || ts[0].Gold != 3 || ts[0].Endings[3] != "starts pulling up roofing on a roof." {
				t.Errorf("tasks %+v", ts)
			}
			if ts[1].Context != "Home. x: How to do it. Then" || ts[1].Endings[0] != "a " { // Python strips before it removes brackets
				t.Errorf("preprocessed task %+v", ts[1])
			}
		}},
		{"winogrande", []string{
			`{"sentence": "Sarah was a much better surgeon than Maria so _ always got the easier cases.", "option1": "Sarah", "option2": "Maria", "answer": "2"}`,
			`{"sentence": "no blank here", "option1": "a", "option2": "b", "answer": "1"}`,
			`{"sentence": "x _ y", "option1": "a", "answer": "1"}`,
			`{"sentence": "x _ y", "option1": "a", "option2": "b", "answer": ""}`,
		}, func(t *testing.T, out string) {
			data, _ := os.ReadFile(out)
			ts, err := ReadWinogrande(bytes.NewReader(data), out)
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 1 || ts[0].Sentence() != "Sarah was a much better surgeon than Maria so _ always got the easier cases." || ts[0].Answer != 2 {
				t.Errorf("tasks %+v", ts)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := writeLines(t, dir, c.name+".jsonl", c.lines...)
			out := filepath.Join(dir, c.name+".out")
			res, err := Build(context.Background(), c.name, []string{in}, out, []string{"calibkit", "tasks", "build"}, BuildOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != len(c.lines) || res.Written != res.Converted || res.Converted+len(res.Skipped) != res.Rows || len(res.Skipped) == 0 {
				t.Errorf("rows %d converted %d written %d skipped %v", res.Rows, res.Converted, res.Written, res.Skipped)
			}
			for _, s := range res.Skipped {
				if s.File != in || s.Reason == "" {
					t.Errorf("skipped row not named: %+v", s)
				}
			}
			m, err := manifest.Read(manifest.Path(out))
			if err != nil {
				t.Fatal(err)
			}
			if m.Parameters["template"] == "" || m.Counts["skipped"] != float64(len(res.Skipped)) {
				t.Errorf("manifest parameters %v counts %v", m.Parameters, m.Counts)
			}
			c.check(t, out)
		})
	}
}

func openMC(t *testing.T, path string) *MultipleChoiceFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := OpenMultipleChoice(bytes.NewReader(data), path)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestBuildParquetAndSubset reads MMLU-shaped rows from parquet (a list
// column) and keeps a seeded subset.
func TestBuildParquetAndSubset(t *testing.T) {
	type row struct {
		Question string   `parquet:"question"`
		Subject  string   `parquet:"subject"`
		Choices  []string `parquet:"choices,list"`
		Answer   int64    `parquet:"answer"`
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "test-00000-of-00001.parquet")
	var rows []row
	for i := range 20 {
		rows = append(rows, row{Question: "q" + string(rune('a'+i)), Subject: "s", Choices: []string{"w", "x", "y", "z"}, Answer: int64(i % 4)})
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "mmlu.bin")
	res, err := Build(context.Background(), "mmlu", []string{in}, out, nil, BuildOptions{Limit: 5, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 20 || res.Converted != 20 || res.Written != 5 || len(res.Skipped) != 0 {
		t.Fatalf("result %+v", res)
	}
	f := openMC(t, out)
	prev := ""
	for i := range f.Len() {
		task, err := f.Task(i)
		if err != nil {
			t.Fatal(err)
		}
		if task.Question <= prev {
			t.Errorf("subset not in input order: %q after %q", task.Question, prev)
		}
		prev = task.Question
	}
	again := filepath.Join(dir, "again.bin")
	if _, err := Build(context.Background(), "mmlu", []string{in}, again, nil, BuildOptions{Limit: 5, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		t.Error("same seed gave different files")
	}
}

// TestBuildNothingConvertibleLeavesNoFile checks that a failed build leaves
// nothing under the output name.
func TestBuildNothingConvertibleLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	in := writeLines(t, dir, "bad.jsonl", `{"question": "x"}`)
	out := filepath.Join(dir, "out.bin")
	_, err := Build(context.Background(), "mmlu", []string{in}, out, nil, BuildOptions{})
	if err == nil || !strings.Contains(err.Error(), `missing field "choices"`) {
		t.Fatalf("err %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("output exists after a failed build: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("files left: %v", names)
	}
	_ = json.Valid
}

// TestBuildARCParquet reads ARC's nested parquet shape: a struct of two
// lists.
func TestBuildARCParquet(t *testing.T) {
	type choices struct {
		Text  []string `parquet:"text,list"`
		Label []string `parquet:"label,list"`
	}
	type row struct {
		ID        string  `parquet:"id"`
		Question  string  `parquet:"question"`
		Choices   choices `parquet:"choices"`
		AnswerKey string  `parquet:"answerKey"`
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "test-00000-of-00001.parquet")
	rows := []row{
		{"a", "Which is a gas?", choices{[]string{"ice", "steam", "rock", "sand"}, []string{"A", "B", "C", "D"}}, "B"},
		{"b", "Which is wet?", choices{[]string{"water", "dust"}, []string{"1", "2"}}, "1"},
		{"c", "Broken?", choices{[]string{"x", "y"}, []string{"A", "B"}}, "E"},
	}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "arc.bin")
	res, err := Build(context.Background(), "arc", []string{in}, out, nil, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 2 || len(res.Skipped) != 1 || res.Skipped[0].Row != 2 || !strings.Contains(res.Skipped[0].Reason, `answerKey "E"`) {
		t.Fatalf("result %+v", res)
	}
	f := openMC(t, out)
	t0, _ := f.Task(0)
	t1, _ := f.Task(1)
	if t0.Answers[1] != "steam" || t0.Labels[1] != 1 || len(t0.Answers) != 4 || t1.Labels[0] != 1 || t1.Answers[0] != "water" {
		t.Errorf("tasks %+v %+v", t0, t1)
	}
}
