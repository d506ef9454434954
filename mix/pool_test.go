package mix

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPoolParsing(t *testing.T) {
	tests := []struct {
		name, file, content string
		want                []Article
	}{
		{
			name: "jsonl", file: "c.jsonl",
			content: `{"id":"5","title":"アンパサンド","url":"u","text":"一文目。\n二文目。\n\n三文目。"}` + "\n\n" +
				`{"id":7,"title":" T ","text":"x。"}`, // a blank line and no final newline
			want: []Article{
				{ID: "5", Title: "アンパサンド", URL: "u", Paragraphs: [][]string{{"一文目。", "二文目。"}, {"三文目。"}}},
				{ID: "7", Title: "T", Paragraphs: [][]string{{"x。"}}},
			},
		},
		{
			name: "text", file: "c.txt",
			content: "\n一文目。\n二文目。\n\n\n三文目。\r\n \nend\n",
			want: []Article{
				{ID: "line:2", Paragraphs: [][]string{{"一文目。"}, {"二文目。"}}},
				{ID: "line:6", Paragraphs: [][]string{{"三文目。"}}},
				{ID: "line:8", Paragraphs: [][]string{{"end"}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := openPool(t, writeFile(t, tt.file, tt.content))
			if p.Len() != len(tt.want) {
				t.Fatalf("%d articles, want %d", p.Len(), len(tt.want))
			}
			for i, w := range tt.want {
				a, err := p.Article(i)
				if err != nil {
					t.Fatal(err)
				}
				if a.ID != w.ID || a.Title != w.Title || a.URL != w.URL || !equalParas(a.Paragraphs, w.Paragraphs) {
					t.Errorf("article %d = %+v, want %+v", i, *a, w)
				}
			}
		})
	}
}

func equalParas(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !slicesEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	small := writeJSONL(t, 1, 3)
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"empty corpus", func() error {
			_, err := OpenPool(ctx, writeFile(t, "e.jsonl", "\n \n"))
			return err
		}, "holds no articles"},
		{"missing corpus", func() error {
			_, err := OpenPool(ctx, filepath.Join(t.TempDir(), "none.jsonl"))
			return err
		}, "open corpus"},
		{"compressed corpus", func() error {
			_, err := OpenPool(ctx, writeFile(t, "c.jsonl.zst", "x"))
			return err
		}, "decompress it first"},
		{"not JSON", func() error {
			p := openPool(t, writeFile(t, "b.jsonl", "{\"text\":\"a\"}\nnot json\n"))
			_, err := p.Article(1)
			return err
		}, "line 2: not a JSON object"},
		{"no text key", func() error {
			p := openPool(t, writeFile(t, "b.jsonl", "{\"body\":\"a\"}\n"))
			_, err := p.Article(0)
			return err
		}, `line 1: no "text" field`},
		{"text corpus not UTF-8", func() error {
			p := openPool(t, writeFile(t, "b.txt", "ok\n\nab\xffc\n"))
			_, err := p.Article(1)
			return err
		}, "invalid UTF-8 at byte offset 6"},
		{"eval larger than corpus", func() error {
			_, err := BuildEval(ctx, openPool(t, small), &bytes.Buffer{}, EvalOptions{Target: 1_000_000})
			return err
		}, "less than the 1000000 asked for"},
		{"mix larger than corpus", func() error {
			_, err := Mix(ctx, &bytes.Buffer{}, MixOptions{Base: []string{"x"}, Adds: []Add{{Name: "ja", Pool: openPool(t, small), Share: 1}}, Total: 1_000_000})
			return err
		}, "source ja needs"},
		{"shares above 1", func() error {
			p := openPool(t, small)
			_, err := Mix(ctx, &bytes.Buffer{}, MixOptions{Base: []string{"x"}, Adds: []Add{{Name: "a", Pool: p, Share: 0.6}, {Name: "b", Pool: p, Share: 0.5}}, Total: 100})
			return err
		}, "shares sum to 1.1, above 1"},
		{"base too small", func() error {
			_, err := Mix(ctx, &bytes.Buffer{}, MixOptions{BaseName: "cal.txt", Base: []string{"short"}, Adds: []Add{{Name: "ja", Pool: openPool(t, small), Share: 0.5}}, Total: 1000})
			return err
		}, "base cal.txt holds 6 bytes, less than the 500 bytes"},
		{"empty base in factor mode", func() error {
			_, err := Mix(ctx, &bytes.Buffer{}, MixOptions{BaseName: "cal.txt", Adds: []Add{{Name: "ja", Pool: openPool(t, small), Factor: 4}}})
			return err
		}, "base cal.txt is empty"},
		{"tokens without a model", func() error {
			_, err := BuildEval(ctx, openPool(t, small), &bytes.Buffer{}, EvalOptions{Target: 10, Unit: Tokens})
			return err
		}, "llama.cpp binding"},
		{"base not UTF-8", func() error {
			_, err := ReadLines(writeFile(t, "base.txt", "good line\nbad \xe3\x81 line\n"))
			return err
		}, "base.txt is not UTF-8: invalid byte 0xe3 at byte offset 14"},
		{"like file not UTF-8", func() error {
			_, err := ReadTextFile(writeFile(t, "like.raw", "abc\xc0"))
			return err
		}, "like.raw is not UTF-8: invalid byte 0xc0 at byte offset 3"},
		{"manifest without ids", func() error {
			_, err := ReadExclude(writeFile(t, "m.json", `{"extra":{}}`))
			return err
		}, "lists no article ids"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReadExclude(t *testing.T) {
	p := writeFile(t, "eval.raw.manifest.json", `{"extra":{"article_ids":["1","2"],"partial_articles":[{"id":"9","sentences_used":1,"sentences_total":3}]}}`)
	set, err := ReadExclude(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"1", "2", "9"} {
		if !set.Has(id) {
			t.Errorf("id %s missing", id)
		}
	}
	if set.Has("3") {
		t.Error("id 3 present")
	}
}

// FuzzPool feeds arbitrary corpus files to the indexer and the article
// parser: they may fail, never panic, and every article has only non-blank
// sentences.
func FuzzPool(f *testing.F) {
	f.Add("c.jsonl", `{"id":"1","title":"t","text":"a。\n\nb。"}`+"\n")
	f.Add("c.txt", "a\nb\n\nc\n")
	f.Add("c.jsonl", "{\"text\":1}\n\n{")
	f.Fuzz(func(t *testing.T, name, content string) {
		if name != "c.jsonl" && name != "c.txt" {
			name = "c.txt"
		}
		p, err := NewPool(context.Background(), name, strings.NewReader(content))
		if err != nil {
			return
		}
		for i := range p.Len() {
			a, err := p.Article(i)
			if err != nil {
				continue
			}
			for _, para := range a.Paragraphs {
				if len(para) == 0 {
					t.Fatal("empty paragraph")
				}
				for _, s := range para {
					if strings.TrimSpace(s) == "" || strings.Contains(s, "\n") {
						t.Fatalf("bad sentence %q", s)
					}
				}
			}
		}
	})
}

// FuzzParseExclude: any bytes give ids or an error, never a panic.
func FuzzParseExclude(f *testing.F) {
	f.Add([]byte(`{"extra":{"article_ids":["1"],"partial_articles":[{"id":"2"}]}}`))
	f.Add([]byte(`{"extra":null}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		set := IDSet{}
		if err := parseExclude(set, "m.json", b); err == nil && set == nil {
			t.Fatal("nil set")
		}
	})
}

// FuzzScanLines: lines come back without "\n" and join to the input, or
// the input is refused as not UTF-8.
func FuzzScanLines(f *testing.F) {
	f.Add("a\nb\n")
	f.Add("no newline")
	f.Add("bad \xff\n")
	f.Fuzz(func(t *testing.T, s string) {
		lines, err := scanLines("f", strings.NewReader(s))
		if err != nil {
			if invalidUTF8Offset([]byte(s)) < 0 {
				t.Fatalf("valid UTF-8 refused: %v", err)
			}
			return
		}
		joined := strings.Join(lines, "\n")
		if len(lines) > 0 && strings.HasSuffix(s, "\n") {
			joined += "\n"
		}
		if joined != s {
			t.Fatalf("lines %q do not rebuild %q", lines, s)
		}
	})
}
