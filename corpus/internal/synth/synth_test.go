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

func TestNewLang(t *testing.T) {
	for _, lang := range []string{"de", "zh"} {
		a, err := NewLang(lang, 3)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := NewLang(lang, 3)
		for range 20 {
			x, y := a.Article(), b.Article()
			if x != y || !strings.Contains(x.URL, lang+".wikipedia.org") || !strings.Contains(x.Text, "\n\n") {
				t.Fatalf("%s: article %+v", lang, x)
			}
		}
	}
	if g, err := NewLang("ja", 5); err != nil || g.Article() != New(5).Article() {
		t.Error("NewLang(ja) is not New")
	}
	if _, err := NewLang("xx", 1); err == nil {
		t.Error("NewLang(xx): no error")
	}
}
