package main

import (
	"strings"
	"testing"

	"github.com/calibkit/calibkit/tokenize"
)

const sample = `# newdoc id = d1
# newpar id = p1
# sent_id = 1
# text = Dr. Smith came.
1	Dr.	_	_	_	_	_	_	_	_
2	Smith	_	_	_	_	_	_	_	_
3	came	_	_	_	_	_	_	_	SpaceAfter=No
4	.	_	_	_	_	_	_	_	_

# sent_id = 2
# text = He left.
1	He	_	_	_	_	_	_	_	_
2	left	_	_	_	_	_	_	_	SpaceAfter=No
3	.	_	_	_	_	_	_	_	_

# newpar id = p2
# sent_id = 3
# text = Then rain.
1	Then	_	_	_	_	_	_	_	_
2	rain	_	_	_	_	_	_	_	SpaceAfter=No
2.1	x	_	_	_	_	_	_	_	_
3	.	_	_	_	_	_	_	_	SpaceAfter=No
`

func TestScore(t *testing.T) {
	tb, err := ReadTreebank(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Paragraphs) != 2 || len(tb.Paragraphs[0]) != 2 || !tb.Paragraphs[1][0].SpaceAfterNo {
		t.Fatalf("treebank %+v", tb)
	}
	en, _ := tokenize.SplitterFor("en")
	if r := Score(tb, en); r.Gold != 3 || r.System != 3 || r.Correct != 3 || r.F1() != 1 {
		t.Errorf("en: %+v", r)
	}
	// The paragraph splitter finds 2 sentences, one of them right.
	th, _ := tokenize.SplitterFor("th")
	r := Score(tb, th)
	if r.Gold != 3 || r.System != 2 || r.Correct != 1 {
		t.Errorf("th: %+v", r)
	}
	if f := r.F1(); f < 0.39 || f > 0.41 {
		t.Errorf("th F1 %v, want 0.4", f)
	}
}

func TestReadTreebankErrors(t *testing.T) {
	for _, in := range []string{"", "1\ta\tb\n", "# sent_id = 1\n1\ta\t_\t_\t_\t_\t_\t_\t_\t_\n\n"} {
		if _, err := ReadTreebank(strings.NewReader(in)); err == nil {
			t.Errorf("ReadTreebank(%q): no error", in)
		}
	}
}

func FuzzReadTreebank(f *testing.F) {
	f.Add(sample)
	f.Fuzz(func(t *testing.T, in string) {
		tb, err := ReadTreebank(strings.NewReader(in))
		if err != nil {
			return
		}
		en, _ := tokenize.SplitterFor("en")
		r := Score(tb, en)
		if r.Correct > r.Gold || r.Correct > r.System {
			t.Fatalf("%+v", r)
		}
	})
}
