package corpus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/manifest"
)

// shards writes the test articles as two shards, zstd and snappy, with one
// row per row group, and returns their folder.
func shards(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeShard(t, filepath.Join(dir, "train-00000-of-00002.parquet"), articles[:2], &parquet.Zstd, 1)
	writeShard(t, filepath.Join(dir, "train-00001-of-00002.parquet"), articles[2:], &parquet.Snappy, 1)
	return dir
}

func build(t *testing.T, inputs []string, out string, opts Options) *Stats {
	t.Helper()
	files, err := ExpandInputs(inputs)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Build(context.Background(), files, out, []string{"calibkit", "corpus", "build"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

const wantSentences = `富士山(ふじさん)は、静岡県と山梨県にまたがる活火山である。
標高は3776mで、日本最高峰である。
古くから信仰の対象とされ、「霊峰富士。」と呼ばれてきた。

カタカナは日本語の表記に用いる文字である。
ハンカクの形もある。

彼は「本当に? いや、まさか!」と言った。
そして 去った。
`

func TestBuildSentencesFromParquet(t *testing.T) {
	dir := shards(t)
	out := filepath.Join(t.TempDir(), "ja.txt")
	opts := DefaultOptions()
	opts.Clean.Lang = "ja"
	st := build(t, []string{dir}, out, opts)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != wantSentences {
		t.Errorf("output:\n%s\nwant:\n%s", got, wantSentences)
	}
	want := Stats{Inputs: 2, DocumentsRead: 3, DocumentsWritten: 3, Paragraphs: 4, Sentences: 7,
		Bytes: int64(len(wantSentences)), Characters: int64(len([]rune(strings.ReplaceAll(wantSentences, "\n", "")))),
		InputTextBytes: st.InputTextBytes,
		Removed: Removed{ControlChars: 1, Spaces: 1, NFKCChangedDocuments: 3, TrailingSectionDocs: 3,
			TrailingSectionChars: st.Removed.TrailingSectionChars, EmptyBrackets: 1, NonJapaneseLines: 1,
			NonJapaneseChars: int64(len("Mount Fuji is the highest mountain in Japan.")),
			Duplicates:       1, DuplicateChars: int64(len([]rune("標高は3776mで、日本最高峰である。")))}}
	if fmt.Sprintf("%+v", *st) != fmt.Sprintf("%+v", want) {
		t.Errorf("stats\n got %+v\nwant %+v", *st, want)
	}
	m, err := manifest.Read(manifest.Path(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Inputs) != 2 || m.Inputs[0].SHA256 == "" || !strings.HasSuffix(m.Inputs[0].Path, "train-00000-of-00002.parquet") {
		t.Errorf("manifest inputs %+v", m.Inputs)
	}
	for _, k := range []string{"segment", "min_chars", "max_chars", "dedup", "nfkc", "lang", "japanese_share", "trailing_sections", "text_column"} {
		if _, ok := m.Parameters[k]; !ok {
			t.Errorf("manifest parameters lack %q", k)
		}
	}
	if m.Counts["sentences"] != float64(7) || m.Counts["documents"] != float64(3) || m.Counts["bytes"] != float64(len(wantSentences)) {
		t.Errorf("manifest counts %v", m.Counts)
	}
	removed, _ := m.Extra["removed"].(map[string]any)
	if removed["duplicates"] != float64(1) || removed["non_japanese_lines"] != float64(1) {
		t.Errorf("manifest removed %v", m.Extra)
	}
}

func TestBuildSteps(t *testing.T) {
	dir := shards(t)
	tests := []struct {
		name   string
		opts   func(*Options)
		ext    string
		want   []string // substrings of the output
		absent []string
	}{
		{"no nfkc", func(o *Options) { o.Normalize.NFKC = false }, ".txt",
			[]string{"３７７６ｍ", "ﾊﾝｶｸ", "富士山（ふじさん）"}, []string{"ハンカク"}},
		{"no trailing cut", func(o *Options) { o.Clean.TrailingSections = nil; o.Clean.DropHeadings = false }, ".txt",
			[]string{"脚注", "日本の山一覧", "『文字の本』"}, nil},
		{"no trailing cut, headings dropped", func(o *Options) { o.Clean.TrailingSections = nil }, ".txt",
			[]string{"出典は省略。", "https://example.com"}, []string{"脚注", "日本の山一覧", "『文字の本』"}},
		{"custom trailing list", func(o *Options) { o.Clean.TrailingSections = []string{"関連項目"} }, ".txt",
			[]string{"出典は省略。"}, []string{"日本の山一覧"}},
		{"no bracket clean-up", func(o *Options) { o.Clean.EmptyBrackets = false }, ".txt",
			[]string{"カタカナ(、)は"}, nil},
		{"no lang filter", func(o *Options) {}, ".txt",
			[]string{"Mount Fuji is the highest mountain in Japan."}, nil},
		{"no dedup", func(o *Options) { o.Dedup = false }, ".txt",
			[]string{"標高は3776mで、日本最高峰である。\n古くから", "標高は3776mで、日本最高峰である。\n\n彼は"}, nil},
		{"max chars", func(o *Options) { o.MaxChars = 20 }, ".txt",
			[]string{"ハンカクの形もある。"}, []string{"富士山(ふじさん)"}},
		{"min chars", func(o *Options) { o.MinChars = 12 }, ".txt",
			[]string{"富士山(ふじさん)"}, []string{"ハンカクの形もある。", "そして 去った。"}},
		{"paragraphs", func(o *Options) { o.Segment = SegmentParagraphs }, ".txt",
			[]string{"富士山(ふじさん)は、静岡県と山梨県にまたがる活火山である。標高は3776mで、日本最高峰である。\n"}, nil},
		{"no space collapse", func(o *Options) { o.Normalize.CollapseSpaces = false }, ".txt",
			[]string{"そして  去った。"}, nil},
		{"no control strip", func(o *Options) { o.Normalize.StripControls = false }, ".txt",
			[]string{"去っ\u200bた。"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := DefaultOptions()
			tt.opts(&opts)
			out := filepath.Join(t.TempDir(), "out"+tt.ext)
			build(t, []string{dir}, out, opts)
			got, _ := os.ReadFile(out)
			for _, w := range tt.want {
				if !bytes.Contains(got, []byte(w)) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.absent {
				if bytes.Contains(got, []byte(w)) {
					t.Errorf("output holds %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestBuildJSONL(t *testing.T) {
	dir := shards(t)
	for _, seg := range []Segment{SegmentSentences, SegmentParagraphs, SegmentNone} {
		t.Run(seg.String(), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.jsonl")
			opts := DefaultOptions()
			opts.Segment = seg
			build(t, []string{dir}, out, opts)
			b, _ := os.ReadFile(out)
			lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			if len(lines) != 3 {
				t.Fatalf("%d lines:\n%s", len(lines), b)
			}
			var doc struct{ ID, Title, URL, Text string }
			if err := json.Unmarshal([]byte(lines[0]), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.ID != "101" || doc.Title != "富士山" || doc.URL != "https://ja.wikipedia.org/wiki?curid=101" {
				t.Errorf("doc %+v", doc)
			}
			want := map[Segment]string{
				SegmentSentences:  "富士山(ふじさん)は、静岡県と山梨県にまたがる活火山である。\n標高は3776mで、日本最高峰である。\n\n古くから信仰の対象とされ、「霊峰富士。」と呼ばれてきた。\n\nMount Fuji is the highest mountain in Japan.",
				SegmentParagraphs: "富士山(ふじさん)は、静岡県と山梨県にまたがる活火山である。標高は3776mで、日本最高峰である。\n\n古くから信仰の対象とされ、「霊峰富士。」と呼ばれてきた。\n\nMount Fuji is the highest mountain in Japan.",
				SegmentNone:       "富士山(ふじさん)は、静岡県と山梨県にまたがる活火山である。標高は3776mで、日本最高峰である。\n古くから信仰の対象とされ、「霊峰富士。」と呼ばれてきた。\nMount Fuji is the highest mountain in Japan.",
			}[seg]
			if doc.Text != want {
				t.Errorf("text %q\nwant %q", doc.Text, want)
			}
		})
	}
}

// TestBuildWorkersIdentical builds many documents, spread over many
// batches and row groups, with 1 and 4 workers: the bytes must match.
func TestBuildWorkersIdentical(t *testing.T) {
	dir := t.TempDir()
	var rows []wikiRow
	for i := range 3000 {
		a := articles[i%len(articles)]
		a.ID = fmt.Sprint(i)
		a.Text = fmt.Sprintf("記事%dの本文である。", i%700) + a.Text
		rows = append(rows, a)
	}
	writeShard(t, filepath.Join(dir, "a.parquet"), rows[:1700], &parquet.Zstd, 300)
	writeShard(t, filepath.Join(dir, "b.parquet"), rows[1700:], &parquet.Snappy, 500)
	var outs [][]byte
	for _, w := range []int{1, 4} {
		for _, ext := range []string{".txt", ".jsonl"} {
			out := filepath.Join(t.TempDir(), "out"+ext)
			opts := DefaultOptions()
			opts.Workers = w
			st := build(t, []string{dir}, out, opts)
			if st.DocumentsRead != 3000 || st.Removed.Duplicates == 0 {
				t.Fatalf("stats %+v", st)
			}
			b, _ := os.ReadFile(out)
			outs = append(outs, b)
		}
	}
	if !bytes.Equal(outs[0], outs[2]) || !bytes.Equal(outs[1], outs[3]) {
		t.Error("output differs between 1 and 4 workers")
	}
}

func TestBuildTextAndJSONLInputs(t *testing.T) {
	dir := t.TempDir()
	txt := "一つ目の文書です。\n二行目です。\n\n  \n二つ目の文書です。\xff壊れた文字。\n"
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte(txt), 0o644)
	jl := `{"id": 7, "title": "題", "text": "JSONLの文書です。\u3000余白。"}` + "\n\n" +
		"{\"id\": \"x\", \"text\": \"壊れた\xfe文字です。\"}\n"
	os.WriteFile(filepath.Join(dir, "b.jsonl"), []byte(jl), 0o644)
	out := filepath.Join(t.TempDir(), "out.jsonl")
	st := build(t, []string{filepath.Join(dir, "*")}, out, DefaultOptions())
	if st.InvalidUTF8 != 2 || st.DocumentsRead != 4 {
		t.Errorf("stats %+v", st)
	}
	b, _ := os.ReadFile(out)
	want := `{"id":"1","title":"","url":"","text":"一つ目の文書です。\n\n二行目です。"}
{"id":"5","title":"","url":"","text":"二つ目の文書です。\n` + "\ufffd" + `壊れた文字。"}
{"id":"7","title":"題","url":"","text":"JSONLの文書です。\n余白。"}
{"id":"x","title":"","url":"","text":"壊れた` + "\ufffd" + `文字です。"}
`
	if string(b) != want {
		t.Errorf("got\n%s\nwant\n%s", b, want)
	}
}

func TestBuildBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	writeShard(t, good, articles, &parquet.Zstd, 1)
	raw, _ := os.ReadFile(good)
	truncated := filepath.Join(dir, "truncated.parquet")
	os.WriteFile(truncated, raw[:len(raw)/2], 0o644)
	notParquet := filepath.Join(dir, "empty.parquet")
	os.WriteFile(notParquet, nil, 0o644)
	badJSON := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(badJSON, []byte("{\"text\":\"よい行。\"}\n{\"text\": 未引用}\n"), 0o644)
	noText := filepath.Join(dir, "notext.jsonl")
	os.WriteFile(noText, []byte("{\"body\":\"よい行。\"}\n"), 0o644)
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("\n \n"), 0o644)
	// A shard whose middle page bytes are zeroed: the footer is intact,
	// the data is not.
	corrupt := filepath.Join(dir, "corrupt.parquet")
	bad := bytes.Clone(raw)
	for i := 8; i < len(bad)/3; i++ {
		bad[i] = 0xff
	}
	os.WriteFile(corrupt, bad, 0o644)

	tests := []struct {
		name  string
		input string
		opts  func(*Options)
		want  []string
	}{
		{"truncated", truncated, nil, []string{truncated}},
		{"not parquet", notParquet, nil, []string{notParquet}},
		{"corrupt pages", corrupt, nil, []string{corrupt, "row group 0"}},
		{"missing column", good, func(o *Options) { o.Reader.TextColumn = "body" },
			[]string{good, `no column "body"`, `"id", "url", "title", "text"`}},
		{"missing title column", good, func(o *Options) { o.Reader.TitleColumn = "name" },
			[]string{`no column "name"`, `--title-column ""`}},
		{"bad json", badJSON, nil, []string{badJSON + " line 2", "not a JSON object"}},
		{"no text key", noText, nil, []string{noText + " line 1", `"body"`}},
		{"empty", empty, nil, []string{"no documents", empty}},
		{"all filtered", good, func(o *Options) { o.MinChars = 1000 }, []string{"nothing left"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := DefaultOptions()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			outDir := t.TempDir()
			out := filepath.Join(outDir, "out.txt")
			_, err := Build(context.Background(), []string{tt.input}, out, nil, opts)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
				t.Errorf("files left behind: %v", ents)
			}
		})
	}
}

func TestBuildCancelledAndDiskFull(t *testing.T) {
	dir := shards(t)
	outDir := t.TempDir()
	out := filepath.Join(outDir, "out.txt")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, []string{filepath.Join(dir, "train-00000-of-00002.parquet")}, out, nil, DefaultOptions()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled build: %v", err)
	}
	if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
		t.Errorf("files left behind: %v", ents)
	}

	orig := atomicfile.CreateTemp
	t.Cleanup(func() { atomicfile.CreateTemp = orig })
	atomicfile.CreateTemp = func(dir, pattern string) (*os.File, error) {
		return nil, fmt.Errorf("create temp: %w", errNoSpace)
	}
	if _, err := Build(context.Background(), []string{filepath.Join(dir, "train-00000-of-00002.parquet")}, out, nil, DefaultOptions()); !errors.Is(err, errNoSpace) {
		t.Errorf("disk full: %v", err)
	}
}

var errNoSpace = errors.New("no space left on device")

func TestOutputFormatOf(t *testing.T) {
	for path, want := range map[string]string{"a.txt": "txt", "A.JSONL": "jsonl", "a.csv": "error"} {
		f, err := OutputFormatOf(path)
		got := f.String()
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
}

func TestProgress(t *testing.T) {
	dir := shards(t)
	files, err := ExpandInputs([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, f := range files {
		fi, _ := os.Stat(f)
		total += fi.Size()
	}
	var got []Progress
	opts := DefaultOptions()
	opts.Progress = func(p Progress) { got = append(got, p) }
	if _, err := Process(context.Background(), files, io.Discard, OutputText, opts); err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("no progress reported")
	}
	last := got[len(got)-1]
	if last.InputBytes != total || last.TotalInputBytes != total || last.Documents != 3 || last.TextBytes == 0 {
		t.Errorf("last progress %+v, total %d", last, total)
	}
	for i := 1; i < len(got); i++ {
		if got[i].InputBytes < got[i-1].InputBytes || got[i].Documents < got[i-1].Documents {
			t.Errorf("progress goes back: %+v then %+v", got[i-1], got[i])
		}
	}
}

// TestVeryLongSentence: a sentence of 60,000 characters with no
// punctuation stays whole on one line, and --max-chars drops it.
func TestVeryLongSentence(t *testing.T) {
	long := strings.Repeat("長い文が続く", 10000) + "。"
	dir := t.TempDir()
	writeShard(t, filepath.Join(dir, "long.parquet"), []wikiRow{{ID: "9", Title: "長文", Text: long + "短い文です。\n"}}, &parquet.Zstd, 1)
	for _, max := range []int{0, 1000} {
		out := filepath.Join(t.TempDir(), "out.txt")
		opts := DefaultOptions()
		opts.MaxChars = max
		st := build(t, []string{dir}, out, opts)
		b, _ := os.ReadFile(out)
		want := long + "\n短い文です。\n"
		if max > 0 {
			want = "短い文です。\n"
			if st.Removed.TooLong != 1 {
				t.Errorf("too long %d", st.Removed.TooLong)
			}
		}
		if string(b) != want {
			t.Errorf("max %d: output of %d bytes, want %d", max, len(b), len(want))
		}
	}
}

func TestEmptyInputAmongOthers(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("本文です。\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.jsonl"), nil, 0o644)
	st := build(t, []string{dir}, filepath.Join(t.TempDir(), "o.txt"), DefaultOptions())
	if len(st.EmptyInputs) != 1 || filepath.Base(st.EmptyInputs[0]) != "b.jsonl" {
		t.Errorf("empty inputs %v", st.EmptyInputs)
	}
}

// TestCancelMidRun cancels a build from its first progress report: it stops
// with context.Canceled and leaves no output.
func TestCancelMidRun(t *testing.T) {
	dir := t.TempDir()
	var rows []wikiRow
	for i := range 4000 {
		a := articles[i%len(articles)]
		a.Text = fmt.Sprintf("記事%dの本文である。", i) + a.Text
		rows = append(rows, a)
	}
	in := filepath.Join(dir, "a.parquet")
	writeShard(t, in, rows, &parquet.Zstd, 100)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := DefaultOptions()
	calls := 0
	opts.Progress = func(Progress) { calls++; cancel() }
	outDir := t.TempDir()
	_, err := Build(ctx, []string{in}, filepath.Join(outDir, "o.txt"), nil, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
	if ents, _ := os.ReadDir(outDir); len(ents) != 0 {
		t.Errorf("files left behind: %v", ents)
	}
}
