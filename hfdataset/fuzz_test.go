package hfdataset

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseManifest feeds ParseManifest arbitrary bytes: it must not
// panic, and what it keeps must be sane (counts -1 or more, shares in
// [0, 1], a language only when it looks like one), and the card written
// from it must render.
func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(`{"tool":"calibkit","command":["calibkit","mix"],"inputs":[{"path":"a","bytes":1,"sha256":"x"}],"parameters":{"lang":"ja","model":"m.gguf"},"counts":{"bytes":3,"tokens_by_line":2},"extra":{"removed":{"duplicates":1},"sources":[{"name":"ja","bytes":2,"share_bytes":0.5}]}}`))
	f.Add([]byte(`{"parameters":{"lang":5},"counts":{"bytes":-1,"chars":1.5},"extra":{"sources":[1,{"share_bytes":"x"}],"removed":[]}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"command":"not a list","inputs":{"path":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseManifest(b, "m.json")
		if err != nil {
			return
		}
		if p.Bytes < -1 || p.Chars < -1 || p.Tokens < -1 {
			t.Fatalf("counts %d %d %d", p.Bytes, p.Chars, p.Tokens)
		}
		if p.Lang != "" && !IsLangCode(p.Lang) {
			t.Fatalf("lang %q", p.Lang)
		}
		for _, s := range p.Sources {
			if s.Share < 0 || s.Share > 1 {
				t.Fatalf("share %v", s.Share)
			}
		}
		in := Input{Path: "x.txt", Split: "train", Kind: KindText, Bytes: 10, Manifest: p}
		d := &cardData{header: CardHeader{License: "unknown"}, title: "t", splits: []SplitResult{{Name: "train", Tokens: -1}},
			inputs: []Input{in}, langs: langShares([]Input{in})}
		card, err := d.render()
		if err != nil || !strings.HasPrefix(string(card), "---\n") {
			t.Fatalf("card: %v", err)
		}
	})
}

// FuzzReadText: the rows of any valid UTF-8 text joined by "\n" give the
// file back (but for one final newline); invalid UTF-8 is an error that
// names a line, never a panic.
func FuzzReadText(f *testing.F) {
	f.Add([]byte("a\n\nb"))
	f.Add([]byte(" \n = T = \n"))
	f.Add([]byte("x\xffy\n"))
	f.Add([]byte(strings.Repeat("long line ", 200000) + "\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := t.TempDir() + "/in.txt"
		if err := writeFile(p, b); err != nil {
			t.Fatal(err)
		}
		var lines []string
		st, err := readText(t.Context(), p, "in.txt", "", func(r *Row) error {
			lines = append(lines, r.Text)
			return nil
		})
		if err != nil {
			if !strings.Contains(err.Error(), "line ") {
				t.Fatalf("error names no line: %v", err)
			}
			return
		}
		got := strings.Join(lines, "\n")
		want := strings.TrimSuffix(string(b), "\n")
		if got != want {
			t.Fatalf("rows join to %q, file %q", got, b)
		}
		if want := utf8.RuneCountInString(strings.Join(lines, "")); st.Chars != int64(want) {
			t.Fatalf("%d characters counted, want %d", st.Chars, want)
		}
		if st.Size != int64(len(b)) || st.Rows != int64(len(lines)) {
			t.Fatalf("stats %+v for %d bytes, %d rows", st, len(b), len(lines))
		}
	})
}

// FuzzCountRunes: countRunes is utf8.RuneCount on valid UTF-8.
func FuzzCountRunes(f *testing.F) {
	f.Add([]byte("日本語とEnglish。"))
	f.Add([]byte("abcdefgh\u00e9"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !utf8.Valid(b) {
			return
		}
		if got, want := countRunes(b), utf8.RuneCount(b); got != want {
			t.Fatalf("countRunes(%q) = %d, want %d", b, got, want)
		}
	})
}

// FuzzReadJSONL: any bytes as a .jsonl input give rows or an error that
// names the file and line, never a panic; counted sizes match the rows.
func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"id":"1","text":"桜"}` + "\n" + `{"id":2,"text":"b"}`))
	f.Add([]byte(`{"text":1}`))
	f.Add([]byte("\n\n{\"title\":\"x\"}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := t.TempDir() + "/in.jsonl"
		if err := writeFile(p, b); err != nil {
			t.Fatal(err)
		}
		var rows, bytes int64
		st, err := readJSONL(t.Context(), p, "in.jsonl", "", func(r *Row) error {
			rows++
			bytes += int64(len(r.Text))
			return nil
		})
		if err != nil {
			if !strings.Contains(err.Error(), "in.jsonl") {
				t.Fatalf("error names no file: %v", err)
			}
			return
		}
		if st.Rows != rows || st.Bytes != bytes || st.Size != int64(len(b)) {
			t.Fatalf("stats %+v for %d rows, %d bytes", st, rows, bytes)
		}
	})
}
