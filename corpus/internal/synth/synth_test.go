package synth

import (
	"strings"
	"testing"
)

func TestDeterministicAndShaped(t *testing.T) {
	a, b := New(7), New(7)
	for range 50 {
		x, y := a.Article(), b.Article()
		if x != y {
			t.Fatal("same seed, different articles")
		}
		if !strings.Contains(x.Text, "\n\n") || x.ID == "" || !strings.HasPrefix(x.URL, "https://ja.wikipedia.org/") {
			t.Fatalf("article %+v", x)
		}
	}
	if New(1).Article() == New(2).Article() {
		t.Error("different seeds, same article")
	}
}
