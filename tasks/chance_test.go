package tasks

import (
	"bytes"
	"context"
	"math"
	"testing"
)

// TestRandomWeightsScoreChance scores generated tasks with the synthesized
// random-weight model: its accuracy must be within four standard errors
// of chance (25% for four endings, 50% for two options, the file's own
// random-chance figure for multiple choice). The figures are logged for
// docs/tasks.md.
func TestRandomWeightsScoreChance(t *testing.T) {
	if testing.Short() {
		t.Skip("scores 500 tasks")
	}
	m := testModel(t)
	var hs, wg, mc bytes.Buffer
	WriteHellaswag(&hs, genHellaswag(200, 21))
	WriteWinogrande(&wg, genWinogrande(200, 22))
	WriteMultipleChoice(&mc, genMultipleChoice(100, 23))
	for _, c := range []struct {
		mode   Mode
		data   []byte
		chance float64
	}{{Hellaswag, hs.Bytes(), 25}, {Winogrande, wg.Bytes(), 50}, {MultipleChoice, mc.Bytes(), 0}} {
		res, err := Score(context.Background(), m, c.mode, bytes.NewReader(c.data), string(c.mode), Options{NCtx: 512, Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		chance := c.chance
		if c.mode == MultipleChoice {
			chance = res.RandomChance
		}
		se := 100 * math.Sqrt(chance/100*(1-chance/100)/float64(res.Scored))
		t.Logf("%s: %d tasks, accuracy %.2f ± %.2f %% (chance %.2f %%)", c.mode, res.Scored, res.Accuracy, res.StdErr, chance)
		if math.Abs(res.Accuracy-chance) > 4*se {
			t.Errorf("%s: a random-weight model scores %.2f %%, more than 4 standard errors (%.2f) from chance %.2f %%", c.mode, res.Accuracy, se, chance)
		}
	}
}
