package modelcard

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/study/results"
)

// TestPageSharesCard builds the study's page and its card from the same
// folder: every command line the page shows for a cell is one the card
// lists, and every PPL the page's table shows is in the card.
func TestPageSharesCard(t *testing.T) {
	dir := copyStudy(t, fixtureStudy(t))
	out := filepath.Join(t.TempDir(), "README.md")
	if _, err := Write(context.Background(), Options{Dir: dir, Output: out, Command: []string{"calibkit", "export", "model-card", dir}}); err != nil {
		t.Fatal(err)
	}
	card, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := CellCommands(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := results.Read(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range results.Latest(recs) {
		if r.Task != "" {
			continue
		}
		n++
		lines := cmds[r.Cell]
		if len(lines) < 3 {
			t.Fatalf("%s: commands %q", r.Cell, lines)
		}
		for _, l := range lines {
			if !strings.HasPrefix(l, "#") && !strings.Contains(string(card), l) {
				t.Errorf("%s: the page's command %q is not in the card", r.Cell, l)
			}
		}
		if !strings.Contains(strings.Join(lines, "\n"), "llama-perplexity") {
			t.Errorf("%s: no llama-perplexity line in %q", r.Cell, lines)
		}
		if ppl := results.FormatPPL(r.PPL, r.PPLError); !strings.Contains(string(card), ppl) {
			t.Errorf("%s: the card lacks the page's PPL %q", r.Cell, ppl)
		}
	}
	if len(cmds) != n {
		t.Errorf("%d cells with commands, %d perplexity cells", len(cmds), n)
	}
}
