package democmd

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/tasks"
)

// demoTaskCount is how many multiple-choice tasks the demo's task set holds.
const demoTaskCount = 20

// writeDemoTasks writes a small multiple-choice task file made from the
// English sample: each task is eight words of the text, and the answers are
// the three words that follow them and three three-word spans from elsewhere
// in the text (the right one at a rotating place). A tiny random-weight
// model scores about chance on it; the point is the pipeline.
func writeDemoTasks(sample, out string) error {
	b, err := os.ReadFile(sample)
	if err != nil {
		return err
	}
	var words []string
	for _, l := range strings.Split(string(b), "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "=") {
			words = append(words, strings.Fields(t)...)
		}
	}
	const q, a = 8, 3
	stride := len(words) / (demoTaskCount + 1)
	if stride < q+a {
		return fmt.Errorf("sample %s has %d words: too few for %d tasks", sample, len(words), demoTaskCount)
	}
	var mc []tasks.MultipleChoiceTask
	for i := range demoTaskCount {
		at := i * stride
		t := tasks.MultipleChoiceTask{Question: "Text: " + strings.Join(words[at:at+q], " ") + "\nNext:", Labels: make([]int32, 4)}
		gold := i % 4
		for j := range 4 {
			from := at + q
			if j != gold {
				from = ((i+7*(j+1))%demoTaskCount)*stride + q + a // another task's text
			}
			t.Answers = append(t.Answers, strings.Join(words[from:from+a], " "))
		}
		t.Labels[gold] = 1
		mc = append(mc, t)
	}
	var buf bytes.Buffer
	if err := tasks.WriteMultipleChoice(&buf, mc); err != nil {
		return err
	}
	_, err = atomicfile.WriteFile(out, &buf)
	return err
}

// demoTaskFile is the task file's name in DIR/study.
const demoTaskFile = "next-words.mc"
