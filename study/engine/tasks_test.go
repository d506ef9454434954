package engine

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/llamacpptest"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/tasks"
)

// printed returns the lines calibkit's scorer prints for items (the same
// text llama-perplexity prints, tasks/parity_test.go) and the end marker.
func printed(mode tasks.Mode, items []tasks.Item) (string, string) {
	r := tasks.Summarize(mode, items)
	if mode == tasks.MultipleChoice {
		r.RandomChance = 30
	}
	s := r.String()
	return s, s + "\nllama_perf_context_print:        total time =      12.00 ms\n"
}

func genItems(mode tasks.Mode, n int, seed uint64) []tasks.Item {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]tasks.Item, n)
	for i := range out {
		gold, pick := r.IntN(2)+1, r.IntN(2)+1
		out[i] = tasks.Item{Task: i, Gold: gold, Pick: pick, Correct: gold == pick, Scores: []float64{-1.5, -2.25}}
	}
	return out
}

func TestParseTasksEveryMode(t *testing.T) {
	for _, mode := range []tasks.Mode{tasks.Hellaswag, tasks.Winogrande, tasks.MultipleChoice} {
		for _, n := range []int{1, 7, 130} {
			t.Run(fmt.Sprintf("%s-%d", mode, n), func(t *testing.T) {
				items := genItems(mode, n, uint64(n))
				out, errs := printed(mode, items)
				r, err := ParseTasks(mode, out, errs)
				if err != nil {
					t.Fatal(err)
				}
				want := tasks.Summarize(mode, items)
				if r.Scored != n || r.Correct != want.Correct || r.Accuracy != want.Accuracy || len(r.Items) != n {
					t.Fatalf("%+v, want %d correct of %d", r, want.Correct, n)
				}
				for i, it := range r.Items {
					if it.Correct != items[i].Correct || it.Pos != i || it.Task != -1 {
						t.Fatalf("item %d: %+v, want correct %v", i, it, items[i].Correct)
					}
				}
			})
		}
	}
}

func TestParseTasksBad(t *testing.T) {
	items := genItems(tasks.MultipleChoice, 20, 3)
	out, errs := printed(tasks.MultipleChoice, items)
	lines := strings.Split(out, "\n")
	gap := strings.Join(append(append([]string{}, lines[:5]...), lines[6:]...), "\n")
	for name, c := range map[string][2]string{
		"empty":          {"", ""},
		"lost line":      {gap, gap + "\n" + endMarker},
		"no end":         {out, strings.ReplaceAll(errs, endMarker, "")},
		"no final":       {lines[0] + "\n" + lines[1] + "\n" + lines[2], endMarker},
		"wrong final":    {strings.Replace(out, "Final result: ", "Final result: 1", 1), strings.Replace(errs, "Final result: ", "Final result: 1", 1)},
		"bad winogrande": {"1\t100.0000\tx\n", endMarker},
	} {
		mode := tasks.MultipleChoice
		if strings.HasPrefix(name, "bad winogrande") {
			mode = tasks.Winogrande
		}
		if _, err := ParseTasks(mode, c[0], c[1]); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzParseTasks(f *testing.F) {
	for _, mode := range []tasks.Mode{tasks.Hellaswag, tasks.Winogrande, tasks.MultipleChoice} {
		out, errs := printed(mode, genItems(mode, 12, 5))
		f.Add(string(mode), out, errs)
	}
	f.Fuzz(func(t *testing.T, mode, out, errs string) {
		r, err := ParseTasks(tasks.Mode(mode), out, errs)
		if err == nil && (r.Scored != len(r.Items) || r.Scored == 0 || r.Correct > r.Scored) {
			t.Fatalf("%+v", r)
		}
	})
}

// TestTasksEnginesAgree scores the same task files with the linked engine
// and with llama-perplexity on a synthesized model: the same per-task
// outcomes in the same order and the same accuracy.
func TestTasksEnginesAgree(t *testing.T) {
	ext, err := NewExternal(llamacpptest.Dir(t, "to compare the task engines with"))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	model := filepath.Join(tmp, "tiny.gguf")
	if err := synth.WriteFileContext(context.Background(), model, synth.Default()); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(4, 4))
	word := func() string {
		return []string{"the", "river", "a", "stone", "runs", "over", "green", "hill", "and", "sky"}[r.IntN(10)]
	}
	phrase := func(n int) string {
		var w []string
		for range n {
			w = append(w, word())
		}
		return strings.Join(w, " ")
	}
	var mc []tasks.MultipleChoiceTask
	for range 30 {
		tk := tasks.MultipleChoiceTask{Question: "Question: " + phrase(6) + "\nAnswer:", Labels: make([]int32, 4)}
		for range 4 {
			tk.Answers = append(tk.Answers, phrase(1+r.IntN(4)))
		}
		tk.Labels[r.IntN(4)] = 1
		mc = append(mc, tk)
	}
	// JCommonsenseQA's five answers: both engines size -np to the file
	mc5 := append([]tasks.MultipleChoiceTask(nil), mc[:12]...)
	for i := range mc5 {
		tk := mc5[i]
		tk.Answers = append(append([]string(nil), tk.Answers...), phrase(2))
		tk.Labels = append(append([]int32(nil), tk.Labels...), 0)
		mc5[i] = tk
	}
	var hs []tasks.HellaswagTask
	for range 24 {
		h := tasks.HellaswagTask{Context: phrase(8), Gold: r.IntN(4)}
		for j := range h.Endings {
			h.Endings[j] = phrase(2 + r.IntN(3))
		}
		hs = append(hs, h)
	}
	var wg []tasks.WinograndeTask
	for i := range 110 {
		wg = append(wg, tasks.WinograndeTask{Index: fmt.Sprint(i), First: phrase(4) + " ", Second: " " + phrase(3) + ".",
			Choices: [2]string{word(), word()}, Answer: 1 + r.IntN(2)})
	}
	files := map[tasks.Mode]func(*bytes.Buffer) error{
		tasks.MultipleChoice: func(b *bytes.Buffer) error { return tasks.WriteMultipleChoice(b, mc) },
		"five":               func(b *bytes.Buffer) error { return tasks.WriteMultipleChoice(b, mc5) },
		tasks.Hellaswag:      func(b *bytes.Buffer) error { return tasks.WriteHellaswag(b, hs) },
		tasks.Winogrande:     func(b *bytes.Buffer) error { return tasks.WriteWinogrande(b, wg) },
	}
	for _, c := range []struct {
		mode  tasks.Mode
		n, np int
	}{{tasks.MultipleChoice, 0, 0}, {"five", 0, 0}, {tasks.MultipleChoice, 11, 8}, {tasks.Hellaswag, 0, 0}, {tasks.Winogrande, 0, 0}, {tasks.Winogrande, 40, 0}} {
		t.Run(fmt.Sprintf("%s-%d", c.mode, c.n), func(t *testing.T) {
			var b bytes.Buffer
			if err := files[c.mode](&b); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(tmp, fmt.Sprintf("%s-%d.tasks", c.mode, c.n))
			os.WriteFile(file, b.Bytes(), 0o644)
			mode := c.mode
			if mode == "five" {
				mode = tasks.MultipleChoice
			}
			j := TaskJob{Common: Common{Ctx: 128, Batch: 2048, Threads: 2}, Model: model, File: file, Mode: mode, Tasks: c.n, Parallel: c.np}
			a, err := Linked{}.Tasks(context.Background(), j)
			if err != nil {
				t.Fatal(err)
			}
			e, err := ext.Tasks(context.Background(), j)
			if err != nil {
				t.Fatal(err)
			}
			if a.Scored != e.Scored || a.Correct != e.Correct || a.Accuracy != e.Accuracy || a.StdErr != e.StdErr {
				t.Fatalf("linked %d/%d %.4f ± %.4f, llama.cpp %d/%d %.4f ± %.4f", a.Correct, a.Scored, a.Accuracy, a.StdErr, e.Correct, e.Scored, e.Accuracy, e.StdErr)
			}
			for i := range a.Items {
				if a.Items[i].Correct != e.Items[i].Correct {
					t.Errorf("task at %d (file index %d): linked %v, llama.cpp %v", i, a.Items[i].Task, a.Items[i].Correct, e.Items[i].Correct)
				}
			}
			t.Logf("%s: %d of %d correct in both", c.mode, a.Correct, a.Scored)
		})
	}
}
