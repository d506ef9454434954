package mix

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

func openPool(t testing.TB, path string) *Pool {
	t.Helper()
	p, err := OpenPool(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestBuildEvalExact(t *testing.T) {
	jsonl := writeJSONL(t, 1, 400)
	txt := writeTextCorpus(t, 1, 400)
	tests := []struct {
		name   string
		corpus string
		unit   Unit
		format Format
		target int64
	}{
		{"bytes wikitext", jsonl, Bytes, Wikitext, 100_000},
		{"bytes wikitext odd", jsonl, Bytes, Wikitext, 129_059},
		{"bytes plain", jsonl, Bytes, Plain, 77_777},
		{"chars wikitext", jsonl, Chars, Wikitext, 33_333},
		{"small target", jsonl, Bytes, Wikitext, 500},
		{"text corpus", txt, Bytes, Wikitext, 54_321},
		{"text corpus plain chars", txt, Chars, Plain, 12_345},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed := range uint64(5) {
				pool := openPool(t, tt.corpus)
				var buf bytes.Buffer
				res, err := BuildEval(context.Background(), pool, &buf, EvalOptions{Target: tt.target, Unit: tt.unit, Format: tt.format, Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				got := int64(buf.Len())
				if tt.unit == Chars {
					got = int64(utf8.RuneCount(buf.Bytes()))
				}
				if got != tt.target || res.Deviation != 0 || res.Achieved != tt.target {
					t.Fatalf("seed %d: size %d %s, want %d (deviation %d)", seed, got, tt.unit, tt.target, res.Deviation)
				}
				// Every line holds whole corpus sentences only.
				checkWholeSentences(t, tt.corpus, buf.String(), tt.format)
			}
		})
	}
}

// checkWholeSentences checks that every text line of an eval set is made
// of complete corpus sentences.
func checkWholeSentences(t *testing.T, corpus, out string, f Format) {
	t.Helper()
	pool := openPool(t, corpus)
	known := map[string]bool{}
	for i := range pool.Len() {
		a, err := pool.Article(i)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range a.Paragraphs {
			for _, s := range p {
				known[s] = true
			}
		}
	}
	for line := range strings.SplitSeq(strings.TrimSuffix(out, "\n"), "\n") {
		l := line
		if f == Wikitext {
			if l == " " || strings.HasPrefix(l, " = ") {
				continue
			}
			if !strings.HasPrefix(l, " ") || !strings.HasSuffix(l, " ") {
				t.Fatalf("wikitext line %q lacks its spaces", l)
			}
			l = l[1 : len(l)-1]
		}
		if l == "" {
			continue
		}
		for _, s := range strings.SplitAfter(l, "。") {
			if s != "" && !known[s] {
				t.Fatalf("line %q holds %q, not a corpus sentence", line, s)
			}
		}
	}
}

// TestBuildEvalManyTargets hits random byte and character targets exactly.
func TestBuildEvalManyTargets(t *testing.T) {
	corpus := writeJSONL(t, 21, 300)
	pool := openPool(t, corpus)
	r := newRand(5, 5)
	for i := range 30 {
		target := int64(300 + r.IntN(150_000))
		unit := Bytes
		if i%3 == 0 {
			unit = Chars
		}
		var buf bytes.Buffer
		res, err := BuildEval(context.Background(), pool, &buf, EvalOptions{Target: target, Unit: unit, Format: Format(i % 2), Seed: uint64(i)})
		if err != nil {
			t.Fatal(err)
		}
		got := int64(buf.Len())
		if unit == Chars {
			got = int64(utf8.RuneCount(buf.Bytes()))
		}
		if got != target || res.Deviation != 0 {
			t.Errorf("target %d %s: got %d (deviation %d)", target, unit, got, res.Deviation)
		}
	}
}

// TestBuildEvalNoExactFill: when no exact fill exists the output stops as
// close below the target as possible and reports the deviation.
func TestBuildEvalNoExactFill(t *testing.T) {
	// One article, three 12-byte sentences in one paragraph: in plain
	// layout a partial article costs 1 (closing blank line) + 13 per
	// sentence line, so 14, 27 or 40 bytes; the whole article costs 38.
	corpus := writeFile(t, "c.jsonl", `{"id":"1","title":"t","text":"あいう。\nあいう。\nあいう。"}`+"\n")
	tests := []struct {
		target, want int64
	}{
		{30, 27}, {38, 38}, {13, 0}, {3, 0}, {27, 27},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		res, err := BuildEval(context.Background(), openPool(t, corpus), &buf, EvalOptions{Target: tt.target, Format: Plain})
		if err != nil {
			t.Fatal(err)
		}
		if int64(buf.Len()) != tt.want || res.Achieved != tt.want || res.Deviation != tt.target-tt.want {
			t.Errorf("target %d: %d bytes, achieved %d, deviation %d; want %d", tt.target, buf.Len(), res.Achieved, res.Deviation, tt.want)
		}
	}
}
