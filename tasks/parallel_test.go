package tasks

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
)

// fiveAnswerFile is a multiple-choice file whose task 0 has five answers,
// as JCommonsenseQA's do, among tasks with two to four.
func fiveAnswerFile(t *testing.T) []byte {
	t.Helper()
	mc := genMultipleChoice(6, 2)
	mc[0].Answers = []string{"a river", "a stone", "the sky", "green hills", "nobody"}
	mc[0].Labels = []int32{0, 0, 1, 0, 0}
	var b bytes.Buffer
	if err := WriteMultipleChoice(&b, mc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestParallel(t *testing.T) {
	five := fiveAnswerFile(t)
	var four bytes.Buffer
	if err := WriteMultipleChoice(&four, genMultipleChoice(6, 2)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mode   Mode
		data   []byte
		nTasks int
		want   int
	}{
		{"hellaswag: four endings", Hellaswag, nil, 0, 4},
		{"winogrande: two options, upstream's four", Winogrande, nil, 0, 4},
		{"two to four answers", MultipleChoice, four.Bytes(), 0, 4},
		{"a five-answer task", MultipleChoice, five, 0, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parallel(tt.mode, bytes.NewReader(tt.data), "f", tt.nTasks)
			if err != nil || got != tt.want {
				t.Errorf("Parallel = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
	// a selection of tasks needs what its own largest task needs
	seen := map[int]bool{}
	for n := 1; n < 6; n++ {
		want := 4
		if slices.Contains(selectScaled(6, n), 0) {
			want = 5
		}
		seen[want] = true
		if got, err := Parallel(MultipleChoice, bytes.NewReader(five), "f", n); err != nil || got != want {
			t.Errorf("%d tasks %v: Parallel = %d, %v; want %d", n, selectScaled(6, n), got, err, want)
		}
	}
	if !seen[4] || !seen[5] {
		t.Errorf("the selections of 1 to 5 tasks all need %v: the test does not tell them apart", seen)
	}
	if _, err := Parallel(MultipleChoice, strings.NewReader("xx"), "bad.bin", 0); err == nil || !strings.Contains(err.Error(), "bad.bin") {
		t.Errorf("a truncated file: %v, want an error naming it", err)
	}
	if _, err := Parallel("bogus", nil, "f", 0); err == nil {
		t.Error("unknown mode: no error")
	}
}

// TestScoreSizesParallel: without Parallel the context gets as many
// sequences as the largest task has answers, and scores it exactly as an
// explicit -np of that size does; too small a Parallel is refused with
// what to give.
func TestScoreSizesParallel(t *testing.T) {
	m := testModel(t)
	five := fiveAnswerFile(t)
	auto, err := ScoreMultipleChoice(context.Background(), m, bytes.NewReader(five), "five.bin", Options{NCtx: 128, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	given, err := ScoreMultipleChoice(context.Background(), m, bytes.NewReader(five), "five.bin", Options{NCtx: 128, Threads: 1, Parallel: 5})
	if err != nil {
		t.Fatal(err)
	}
	if auto.Parallel != 5 || given.Parallel != 5 || auto.Scored != 6 || auto.Correct != given.Correct {
		t.Fatalf("auto: -np %d, %d/%d; -np 5: -np %d, %d/%d", auto.Parallel, auto.Correct, auto.Scored, given.Parallel, given.Correct, given.Scored)
	}
	for i := range auto.Items {
		for k := range auto.Items[i].Scores {
			if auto.Items[i].Scores[k] != given.Items[i].Scores[k] {
				t.Fatalf("task %d answer %d: %v sized, %v with -np 5", i, k, auto.Items[i].Scores[k], given.Items[i].Scores[k])
			}
		}
	}
	_, err = ScoreMultipleChoice(context.Background(), m, bytes.NewReader(five), "five.bin", Options{NCtx: 128, Threads: 1, Parallel: 4})
	if err == nil || !strings.Contains(err.Error(), "five.bin: task 0 has 5 answers") || !strings.Contains(err.Error(), "raise -np (Parallel) to at least 5") {
		t.Errorf("-np 4 on five answers: %v", err)
	}
	hs, err := ScoreHellaswag(context.Background(), m, hellaswagReader(t), "hs.txt", Options{NCtx: 128, Threads: 1, Tasks: 3})
	if err != nil || hs.Parallel != 4 {
		t.Errorf("hellaswag: -np %d, %v; want upstream's 4", hs.Parallel, err)
	}
}

func hellaswagReader(t *testing.T) *bytes.Reader {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHellaswag(&b, genHellaswag(5, 7)); err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b.Bytes())
}
