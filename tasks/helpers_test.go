package tasks

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// testModelPath returns a synthesized llama GGUF (SPM vocabulary, random
// weights) shared by the package's tests.
func testModelPath(t testing.TB) string {
	t.Helper()
	return synthtest.Model(t, "tiny", synth.Default())
}

// testBPEModelPath is a synthesized model with a GPT-2 style BPE
// vocabulary (BOS added), for the tokenizer kind llama-perplexity treats
// apart from SPM.
func testBPEModelPath(t testing.TB) string {
	t.Helper()
	o := synth.Default()
	o.Vocab = synth.VocabBPE
	return synthtest.Model(t, "tiny-bpe", o)
}

func TestMain(m *testing.M) { synthtest.Main(m) }

func testModel(t testing.TB) *llama.Model {
	t.Helper()
	return testModelAt(t, testModelPath(t))
}

func testModelAt(t testing.TB, path string) *llama.Model {
	t.Helper()
	m, err := llama.LoadModel(path, llama.ModelParams{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

var words = strings.Fields(`the cat dog ran over a hill and then sat down on the mat with a big red ball
in the park by the river 東京 は 大きな 町 です 今日 は 晴れ 明日 雨 a man woman car snow window`)

func phrase(r *rand.Rand, n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = words[r.IntN(len(words))]
	}
	return strings.Join(w, " ")
}

// genHellaswag makes n tasks of random words with seed.
func genHellaswag(n int, seed uint64) []HellaswagTask {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]HellaswagTask, n)
	for i := range out {
		out[i] = HellaswagTask{Context: phrase(r, 6+r.IntN(10)), Gold: r.IntN(4)}
		for j := range out[i].Endings {
			out[i].Endings[j] = fmt.Sprintf("%s %d", phrase(r, 2+r.IntN(6)), j)
		}
	}
	return out
}

func genWinogrande(n int, seed uint64) []WinograndeTask {
	r := rand.New(rand.NewPCG(seed, 2))
	out := make([]WinograndeTask, n)
	for i := range out {
		out[i] = WinograndeTask{Index: fmt.Sprint(i), First: phrase(r, 3+r.IntN(6)) + " ", Second: " " + phrase(r, r.IntN(7)) + ".",
			Choices: [2]string{phrase(r, 1+r.IntN(2)), phrase(r, 1+r.IntN(2))}, Answer: 1 + r.IntN(2)}
	}
	return out
}

func genMultipleChoice(n int, seed uint64) []MultipleChoiceTask {
	r := rand.New(rand.NewPCG(seed, 3))
	out := make([]MultipleChoiceTask, n)
	for i := range out {
		k := 2 + r.IntN(3)
		t := MultipleChoiceTask{Question: "Question: " + phrase(r, 4+r.IntN(8)) + "\nAnswer:", Labels: make([]int32, k)}
		for j := range k {
			t.Answers = append(t.Answers, fmt.Sprintf("%s %c", phrase(r, 1+r.IntN(5)), 'A'+j))
		}
		t.Labels[r.IntN(k)] = 1
		out[i] = t
	}
	return out
}
