package tasks

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
)

func hellaswagFile(t *testing.T, tasks []HellaswagTask) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHellaswag(&b, tasks); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestScoreHellaswagIndependent recomputes each task's four normalized
// scores with a plain one-sequence decode per ending and compares them
// with the packed, shared-prefix batch.
func TestScoreHellaswagIndependent(t *testing.T) {
	m := testModel(t)
	data := hellaswagFile(t, genHellaswag(12, 1))
	var out bytes.Buffer
	res, err := ScoreHellaswag(context.Background(), m, bytes.NewReader(data), "gen.txt", Options{NCtx: 128, Threads: 2, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if res.Scored != 12 || res.Available != 12 || res.Selected {
		t.Fatalf("scored %d of %d (selected %v), want all 12", res.Scored, res.Available, res.Selected)
	}
	if out.String() != res.String() {
		t.Errorf("streamed lines differ from Print:\n%s\n---\n%s", out.String(), res.String())
	}
	all, _ := ReadHellaswag(bytes.NewReader(data), "gen.txt")
	for _, it := range res.Items {
		task := all[it.Task]
		var texts []string
		for _, e := range task.Endings {
			texts = append(texts, task.Context+" "+e)
		}
		want := independentMeans(t, m, texts)
		for k := range want {
			if math.Abs(want[k]-it.Scores[k]) > 2e-4 {
				t.Errorf("task %d ending %d: packed score %.6f, independent %.6f", it.Task, k, it.Scores[k], want[k])
			}
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if lines[0] != "task\tacc_norm\t95% confidence interval" || len(lines) != 13 {
		t.Errorf("printed %d lines starting %q", len(lines), lines[0])
	}
}
