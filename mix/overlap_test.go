package mix

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/calibkit/calibkit/tokenize"
)

var (
	tokOnce sync.Once
	tok     *tokenize.Tokenizer
	tokErr  error
)

func segmenter(t testing.TB) Segmenter {
	tokOnce.Do(func() { tok, tokErr = tokenize.NewTokenizer(tokenize.WakatiOnly()) })
	if tokErr != nil {
		t.Fatal(tokErr)
	}
	return tok
}

func TestIsJapaneseLine(t *testing.T) {
	for _, tt := range []struct {
		line string
		want bool
	}{
		{"東京は日本の首都である。", true},
		{" Senjō no Valkyria 3 : Unrecorded Chronicles ( Japanese : 戦場のヴァルキュリア3 ) , commonly referred", false},
		{"2023年の統計", true},
		{"", false},
		{"plain English line .", false},
	} {
		if got := IsJapaneseLine(tt.line); got != tt.want {
			t.Errorf("IsJapaneseLine(%q) = %v", tt.line, got)
		}
	}
}

func TestOverlap(t *testing.T) {
	seg := segmenter(t)
	ja := "東京は日本の首都であり、政治と経済の中心地として知られている大都市である。\n大阪は西日本の中心都市で、商業の町として古くから栄えてきた歴史を持つ。\n"
	en := "the quick brown fox jumps over the lazy dog while the cat sleeps on the warm mat by the door\n"
	other := "京都は多くの寺院や神社があり、古い町並みが残る観光都市として世界的に有名である。\n"
	tests := []struct {
		name      string
		a, b      string
		n         int
		wantShare float64
	}{
		{"identical Japanese", ja, ja, 13, 1},
		{"layout does not matter", ja, " " + strings.ReplaceAll(strings.TrimSuffix(ja, "\n"), "\n", "") + " \n", 13, 1},
		{"disjoint", ja, other, 13, 0},
		{"half contained", ja + other, ja, 5, -1}, // checked below
		{"English words", en, "prefix words " + en, 13, 1},
		{"too short", "短い。", ja, 13, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Overlap(context.Background(), strings.NewReader(tt.a), strings.NewReader(tt.b), NGramOptions{N: tt.n, Segmenter: seg})
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantShare >= 0 && math.Abs(res.Share-tt.wantShare) > 1e-9 {
				t.Errorf("share %.4f, want %.4f (%+v)", res.Share, tt.wantShare, *res)
			}
			if tt.wantShare < 0 && (res.Share <= 0.3 || res.Share >= 0.9) {
				t.Errorf("share %.4f, want between 0.3 and 0.9", res.Share)
			}
			if res.Shared > res.NGrams || res.DistinctShared > res.Distinct {
				t.Errorf("inconsistent counts %+v", *res)
			}
			// OverlapBoth agrees with Overlap run both ways.
			ab, ba, err := OverlapBoth(context.Background(), strings.NewReader(tt.a), strings.NewReader(tt.b), NGramOptions{N: tt.n, Segmenter: seg})
			if err != nil {
				t.Fatal(err)
			}
			rev, err := Overlap(context.Background(), strings.NewReader(tt.b), strings.NewReader(tt.a), NGramOptions{N: tt.n, Segmenter: seg})
			if err != nil {
				t.Fatal(err)
			}
			if *ab != *res || *ba != *rev {
				t.Errorf("OverlapBoth %+v %+v, Overlap %+v %+v", *ab, *ba, *res, *rev)
			}
		})
	}
}

func TestOverlapNotUTF8(t *testing.T) {
	_, err := Overlap(context.Background(), strings.NewReader("ok line\nbad \xff\n"), strings.NewReader("x\n"), NGramOptions{})
	if err == nil || !strings.Contains(err.Error(), "read A: not UTF-8: invalid byte 0xff at byte offset 12") {
		t.Fatalf("error %v", err)
	}
}

func ExampleOverlap() {
	a := "one two three four five six\n"
	b := "zero one two three four\n"
	res, _ := Overlap(context.Background(), strings.NewReader(a), strings.NewReader(b), NGramOptions{N: 3})
	// a's 3-grams: one two three, two three four (in b), three four five,
	// four five six (not in b).
	fmtShare(res)
	// Output:
	// 2 of 4 3-grams shared (50.0%)
}

func fmtShare(r *OverlapResult) {
	fmt.Printf("%d of %d %d-grams shared (%.1f%%)\n", r.Shared, r.NGrams, r.N, 100*r.Share)
}
