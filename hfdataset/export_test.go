package hfdataset

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"gopkg.in/yaml.v3"

	"github.com/calibkit/calibkit/internal/manifest"
)

// fixture writes a mix-like text file with a manifest, a corpus-like JSONL
// with a manifest and a text file with none.
func fixture(t *testing.T) (dir, mixPath, jsonlPath, bare string) {
	t.Helper()
	dir = t.TempDir()
	mixPath = filepath.Join(dir, "calib-mix.txt")
	mixText := "The first English line.\n\n日本語の文です。\nA last line.\n"
	write(t, mixPath, mixText)
	m := manifest.New(mixPath, []string{"calibkit", "mix", "--base", "base.txt", "--add", "ja=ja.txt", "-o", mixPath})
	m.Inputs = []manifest.Input{{Path: "base.txt", Bytes: 10, SHA256: strings.Repeat("a", 64)}, {Path: "ja.txt", Bytes: 20, SHA256: strings.Repeat("b", 64)}}
	m.Parameters["model"] = "model.gguf"
	m.Counts["bytes"] = len(mixText)
	m.Counts["chars"] = 50
	m.Counts["tokens_by_line"] = 33
	m.Extra = map[string]any{"sources": []map[string]any{
		{"name": "base.txt", "bytes": 40, "chars": 40, "tokens": 20, "share_bytes": 0.6},
		{"name": "ja", "bytes": 25, "chars": 9, "tokens": 13, "share_bytes": 0.4},
	}}
	if err := m.Write(); err != nil {
		t.Fatal(err)
	}
	jsonlPath = filepath.Join(dir, "ja-wiki.jsonl")
	write(t, jsonlPath, `{"id":"12","title":"桜","url":"u","text":"桜が咲く。\n花見に行く。"}`+"\n"+`{"id":"13","title":"紅葉","url":"u","text":"紅葉が美しい。"}`+"\n")
	jm := manifest.New(jsonlPath, []string{"calibkit", "corpus", "build", "in.parquet", "--lang", "ja", "-o", jsonlPath})
	jm.Parameters["lang"] = "ja"
	jm.Parameters["nfkc"] = true
	fi, _ := os.Stat(jsonlPath)
	jm.Counts["bytes"] = fi.Size()
	jm.Extra = map[string]any{"removed": map[string]any{"duplicates": 2, "too_short": 5}}
	if err := jm.Write(); err != nil {
		t.Fatal(err)
	}
	bare = filepath.Join(dir, "eval.raw")
	write(t, bare, " \n = Title = \n text\n")
	return
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readSplit(t *testing.T, dir string, s SplitResult) []Row {
	t.Helper()
	var rows []Row
	for _, sh := range s.Shards {
		r, err := ReadRows(filepath.Join(dir, sh))
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r...)
	}
	return rows
}

func TestExportRowsCardAndLayout(t *testing.T) {
	dir, mixPath, jsonlPath, bare := fixture(t)
	out := filepath.Join(dir, "out")
	res, err := Export(context.Background(), Options{
		Splits:  []Split{{Name: "train", Files: []string{mixPath, jsonlPath}}, {Name: "test", Files: []string{bare}}},
		Output:  out,
		License: "cc-by-sa-4.0",
		Command: []string{"calibkit", "export", "dataset", mixPath, jsonlPath, "--split-file", "test=" + bare, "-o", out},
	})
	if err != nil {
		t.Fatal(err)
	}
	// the folder holds exactly the Hub's layout
	var files []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if !d.IsDir() {
			rel, _ := filepath.Rel(out, p)
			files = append(files, rel)
		}
		return nil
	})
	want := []string{"README.md", ManifestName, "data/test-00000-of-00001.parquet", "data/train-00000-of-00001.parquet"}
	if strings.Join(files, " ") != strings.Join(want, " ") {
		t.Fatalf("files %v, want %v", files, want)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 6 { // 4 inputs and manifests... no temp folders left
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("folder holds %v", names)
	}

	train := readSplit(t, out, res.Splits[0])
	if len(train) != 6 {
		t.Fatalf("%d train rows: %+v", len(train), train)
	}
	// text rows are the lines, joinable back into the file
	var lines []string
	for _, r := range train[:4] {
		lines = append(lines, r.Text)
		if r.Source != "calib-mix.txt" || r.Lang != "" {
			t.Errorf("mix row %+v: want source calib-mix.txt and no language", r)
		}
	}
	if got := strings.Join(lines, "\n") + "\n"; got != "The first English line.\n\n日本語の文です。\nA last line.\n" {
		t.Errorf("mix rows join to %q", got)
	}
	if train[2].ID != "calib-mix.txt:3" {
		t.Errorf("id %q", train[2].ID)
	}
	if r := train[4]; r.Text != "桜が咲く。\n花見に行く。" || r.Lang != "ja" || r.ID != "12" || r.Source != "ja-wiki.jsonl" {
		t.Errorf("jsonl row %+v", r)
	}
	test := readSplit(t, out, res.Splits[1])
	if len(test) != 3 || test[0].Text != " " || test[1].Text != " = Title = " {
		t.Errorf("test rows %+v", test)
	}

	// every column chunk is zstd, the columns are the four named
	f, err := os.Open(filepath.Join(out, res.Splits[0].Shards[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range pf.Schema().Fields() {
		cols = append(cols, c.Name())
	}
	if strings.Join(cols, ",") != "text,lang,source,id" {
		t.Errorf("columns %v", cols)
	}
	for _, rg := range pf.Metadata().RowGroups {
		for _, cc := range rg.Columns {
			if cc.MetaData.Codec != format.Zstd {
				t.Errorf("column %v codec %v", cc.MetaData.PathInSchema, cc.MetaData.Codec)
			}
		}
	}

	card, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	h := parseHeader(t, card)
	if h.License != "cc-by-sa-4.0" || strings.Join(h.Language, ",") != "ja" || h.SizeCategories[0] != "n<1K" || h.TaskCategories[0] != "text-generation" {
		t.Errorf("header %+v", h)
	}
	if len(h.Configs) != 1 || h.Configs[0].ConfigName != "default" || len(h.Configs[0].DataFiles) != 2 ||
		h.Configs[0].DataFiles[0] != (CardDataFile{Split: "train", Path: "data/train-*"}) ||
		h.Configs[0].DataFiles[1] != (CardDataFile{Split: "test", Path: "data/test-*"}) {
		t.Errorf("configs %+v", h.Configs)
	}
	body := string(card)
	for _, s := range []string{
		strings.Repeat("a", 64),                         // a mix input's sha256
		"| duplicates | 2 |",                            // cleaning counts
		"model tokens: 33 (model.gguf)",                 // tokens from the manifest
		"calibkit corpus build in.parquet --lang ja -o", // a rebuild command
		"no manifest (" + bare + ".manifest.json)",      // the bare file
		"How `eval.raw` was made is unknown",            // said, not invented
		"| ja | ",                                       // language shares
		"unknown (no manifest records it)",
		"calibkit export dataset",
	} {
		if !strings.Contains(body, s) {
			t.Errorf("card lacks %q", s)
		}
	}
	if m, err := manifest.Read(filepath.Join(out, ManifestName)); err != nil || len(m.Inputs) != 3 {
		t.Errorf("export manifest %+v, %v", m, err)
	}
}

func parseHeader(t *testing.T, card []byte) CardHeader {
	t.Helper()
	rest, ok := bytes.CutPrefix(card, []byte("---\n"))
	if !ok {
		t.Fatal("card has no YAML header")
	}
	y, _, ok := bytes.Cut(rest, []byte("\n---\n"))
	if !ok {
		t.Fatal("YAML header not closed")
	}
	var h CardHeader
	dec := yaml.NewDecoder(bytes.NewReader(y))
	dec.KnownFields(true)
	if err := dec.Decode(&h); err != nil {
		t.Fatalf("header: %v\n%s", err, y)
	}
	return h
}

func TestExportShardsAndReplace(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "big.txt")
	write(t, in, strings.Repeat("0123456789abcdefghij\n", 1000))
	out := filepath.Join(dir, "ds")
	res, err := Export(context.Background(), Options{Splits: []Split{{Name: "train", Files: []string{in}}}, Output: out, MaxShardBytes: 6000})
	if err != nil {
		t.Fatal(err)
	}
	sh := res.Splits[0].Shards
	if len(sh) != 4 || sh[0] != "data/train-00000-of-00004.parquet" || sh[3] != "data/train-00003-of-00004.parquet" {
		t.Fatalf("shards %v", sh)
	}
	if rows := readSplit(t, out, res.Splits[0]); len(rows) != 1000 || rows[999].ID != "big.txt:1000" {
		t.Fatalf("%d rows", len(rows))
	}
	// an earlier export is replaced whole
	res, err = Export(context.Background(), Options{Splits: []Split{{Name: "train", Files: []string{in}}}, Output: out})
	if err != nil || len(res.Splits[0].Shards) != 1 {
		t.Fatalf("replace: %v %v", res, err)
	}
	if ents, _ := os.ReadDir(filepath.Join(out, "data")); len(ents) != 1 {
		t.Errorf("data/ holds %d files after the replace", len(ents))
	}
}

func TestExportBadInputLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	write(t, good, "fine\n")
	bad := filepath.Join(dir, "bad.txt")
	write(t, bad, "ok\nnot \xff utf-8\n")
	other := filepath.Join(dir, "other")
	os.Mkdir(other, 0o755)
	write(t, filepath.Join(other, "keep.txt"), "x")
	cases := []struct {
		name string
		opts Options
		want string
	}{
		{"invalid utf-8", Options{Splits: []Split{{Name: "train", Files: []string{good, bad}}}, Output: filepath.Join(dir, "ds")}, "bad.txt line 2: not valid UTF-8 (byte 4"},
		{"missing file", Options{Splits: []Split{{Name: "train", Files: []string{filepath.Join(dir, "nope.txt")}}}, Output: filepath.Join(dir, "ds")}, "nope.txt"},
		{"bad split", Options{Splits: []Split{{Name: "tr ain", Files: []string{good}}}, Output: filepath.Join(dir, "ds")}, "split name"},
		{"parquet", Options{Splits: []Split{{Name: "train", Files: []string{"x.parquet"}}}, Output: filepath.Join(dir, "ds")}, "corpus build"},
		{"not an export", Options{Splits: []Split{{Name: "train", Files: []string{good}}}, Output: other}, "not an earlier export"},
		{"too many samples", Options{Splits: []Split{{Name: "train", Files: []string{good}}}, Output: filepath.Join(dir, "ds"),
			Samples: SampleSpec{N: 2, SeqLen: 3}}, "2 samples of 3 characters need 6 characters, the text holds 4"},
	}
	for _, c := range cases {
		_, err := Export(context.Background(), c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ds")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed export left ds: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 3 {
		t.Errorf("temp folders left: %d entries", len(ents))
	}
	if b, _ := os.ReadFile(filepath.Join(other, "keep.txt")); string(b) != "x" {
		t.Error("a folder that was not an export was touched")
	}
}

func TestSamplesCharactersReproducible(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "c.txt")
	text := strings.Repeat("日本語とEnglish。", 100) // 1200 characters
	write(t, in, text)
	run := func(out string, seed uint64) []Row {
		res, err := Export(context.Background(), Options{Splits: []Split{{Name: "train", Files: []string{in}}}, Output: filepath.Join(dir, out),
			Samples: SampleSpec{N: 10, SeqLen: 50, Seed: seed}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Splits[0].Units != 1200 || res.Splits[0].Rows != 10 {
			t.Fatalf("split %+v", res.Splits[0])
		}
		return readSplit(t, res.Output, res.Splits[0])
	}
	a, b, c := run("a", 1), run("b", 1), run("c", 2)
	same := func(x, y []Row) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Error("same seed, different samples")
	}
	if same(a, c) {
		t.Error("another seed drew the same samples")
	}
	runes := []rune(text)
	seen := map[string]bool{}
	for _, r := range a {
		if n := len([]rune(r.Text)); n != 50 {
			t.Errorf("sample of %d characters", n)
		}
		var start int
		if i := strings.LastIndexByte(r.ID, '@'); i < 0 || !strings.HasPrefix(r.ID, "train-sample-") {
			t.Fatalf("id %q", r.ID)
		} else if _, err := fmtSscan(r.ID[i+1:], &start); err != nil {
			t.Fatal(err)
		}
		if string(runes[start:start+50]) != r.Text || start%50 != 0 || seen[r.ID] {
			t.Errorf("sample %s is not its window", r.ID)
		}
		seen[r.ID] = true
	}
}

func TestExportCancelledLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "big.txt")
	write(t, in, strings.Repeat("a line of text\n", 100000))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Export(ctx, Options{Splits: []Split{{Name: "train", Files: []string{in}}}, Output: filepath.Join(dir, "ds")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d entries left beside the input", len(ents))
	}
}

func TestStaleManifestIsNotUsed(t *testing.T) {
	dir, _, jsonlPath, _ := fixture(t)
	// the corpus grew after its manifest was written
	f, _ := os.OpenFile(jsonlPath, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"id":"14","text":"追記。"}` + "\n")
	f.Close()
	res, err := Export(context.Background(), Options{Splits: []Split{{Name: "train", Files: []string{jsonlPath}}}, Output: filepath.Join(dir, "ds")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Inputs[0].Manifest != nil || !strings.Contains(res.Inputs[0].Note, "describes another version") {
		t.Errorf("input %+v", res.Inputs[0])
	}
	for _, r := range readSplit(t, res.Output, res.Splits[0]) {
		if r.Lang != "" {
			t.Errorf("row %s took its language from a stale manifest", r.ID)
		}
	}
	card, _ := os.ReadFile(res.Card)
	if !strings.Contains(string(card), "describes another version of the file; not used") {
		t.Error("the card does not say the manifest was not used")
	}
}
