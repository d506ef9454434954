package evalcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/mix"
)

func TestNewCmdBuildFlags(t *testing.T) {
	tests := []struct {
		args    string
		want    BuildOptions
		wantErr string
	}{
		{args: "--from c.jsonl --like wiki.test.raw -o out.raw",
			want: BuildOptions{From: "c.jsonl", Like: "wiki.test.raw", Unit: mix.Bytes, Output: "out.raw", Format: mix.Wikitext, Seed: 1}},
		{args: "--from c.jsonl --bytes 1.5MB -o out.raw --format plain --seed 7",
			want: BuildOptions{From: "c.jsonl", Target: 1_500_000, Unit: mix.Bytes, Output: "out.raw", Format: mix.Plain, Seed: 7}},
		{args: "--from c.jsonl --chars 4k -o o",
			want: BuildOptions{From: "c.jsonl", Target: 4000, Unit: mix.Chars, Output: "o", Format: mix.Wikitext, Seed: 1}},
		{args: "--from c.jsonl --tokens 300000 -m m.gguf -o o --exclude a.json --exclude b.json",
			want: BuildOptions{From: "c.jsonl", Target: 300000, Unit: mix.Tokens, Model: "m.gguf", Output: "o", Format: mix.Wikitext, Seed: 1, Exclude: []string{"a.json", "b.json"}}},
		{args: "--from c.jsonl --like w.raw --unit tokens -m m.gguf -o o",
			want: BuildOptions{From: "c.jsonl", Like: "w.raw", Unit: mix.Tokens, Model: "m.gguf", Output: "o", Format: mix.Wikitext, Seed: 1}},
		{args: "--from ja=j.jsonl --from zh=z.jsonl --share ja=0.5,zh=0.5 --like w.raw -o o",
			want: BuildOptions{Sources: []mix.Source{{Name: "ja", Corpus: "j.jsonl"}, {Name: "zh", Corpus: "z.jsonl"}}, Shares: map[string]float64{"ja": 0.5, "zh": 0.5}, Like: "w.raw", Unit: mix.Bytes, Output: "o", Format: mix.Wikitext, Seed: 1}},
		{args: "--from ja=j --from zh=z --from ko=k --share ja=0.5 --share zh=0.3,ko=0.2 --chars 4k -o o",
			want: BuildOptions{Sources: []mix.Source{{Name: "ja", Corpus: "j"}, {Name: "zh", Corpus: "z"}, {Name: "ko", Corpus: "k"}}, Shares: map[string]float64{"ja": 0.5, "zh": 0.3, "ko": 0.2}, Target: 4000, Unit: mix.Chars, Output: "o", Format: mix.Wikitext, Seed: 1}},
		{args: "--from ja=j --from zh=z --share ja=0.5,zh=0.4 --bytes 5 -o o", wantErr: "sum to 0.9: an eval set's shares must sum to 1"},
		{args: "--from ja=j --from zh=z --share ja=0.6,zh=0.5 --bytes 5 -o o", wantErr: "sum to 1.1"},
		{args: "--from ja=j --from zh=z --share ja=1 --bytes 5 -o o", wantErr: "language zh needs a --share above 0"},
		{args: "--from ja=j --from zh=z --share ja=0.5,ko=0.5 --bytes 5 -o o", wantErr: "no --from ko=CORPUS"},
		{args: "--from ja=j --from zh=z --bytes 5 -o o", wantErr: "need --share NAME=S"},
		{args: "--from ja=j --from xx=z --share ja=0.5,xx=0.5 --bytes 5 -o o", wantErr: `unsupported language "xx": supported are`},
		{args: "--from ja=j --from zh=z --share ja=0.5,zh=0.5 --tokens 5 -m m.gguf -o o", wantErr: "sized in bytes or chars"},
		{args: "--from c.jsonl --share ja=1 --bytes 5 -o o", wantErr: "--share goes with several --from"},
		{args: "--from chat.jsonl --conversations 500 -o o",
			want: BuildOptions{From: "chat.jsonl", Target: 500, Unit: mix.Conversations, Output: "o", Format: mix.Wikitext, Seed: 1}},
		{args: "--from c.jsonl --conversations 5 --bytes 5 -o o", wantErr: "exactly one of"},
		{args: "--from c.jsonl -o o", wantErr: "exactly one of"},
		{args: "--from c.jsonl --bytes 5 --chars 5 -o o", wantErr: "exactly one of"},
		{args: "--like w --bytes 5 -o o --from c", wantErr: "exactly one of"},
		{args: "--bytes 5 -o o", wantErr: "--from CORPUS is required"},
		{args: "--from c --bytes 5", wantErr: "-o/--output is required"},
		{args: "--from c --tokens 5 -o o", wantErr: "add -m MODEL.gguf"},
		{args: "--from c --like w --unit tokens -o o", wantErr: "add -m MODEL.gguf"},
		{args: "--from c --bytes 5 --unit chars -o o", wantErr: "--unit goes with --like"},
		{args: "--from c --bytes 1.5XB -o o", wantErr: "unknown suffix"},
		{args: "--from c --bytes 5 --format html -o o", wantErr: "--format"},
		{args: "--from c --bytes 5 -o o extra", wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdBuild, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			w := tt.want
			if got.From != w.From || got.Like != w.Like || got.Target != w.Target || got.Unit != w.Unit || got.Model != w.Model ||
				got.Output != w.Output || got.Format != w.Format || got.Seed != w.Seed || fmt.Sprint(got.Exclude) != fmt.Sprint(w.Exclude) ||
				fmt.Sprint(got.Sources) != fmt.Sprint(w.Sources) || fmt.Sprint(got.Shares) != fmt.Sprint(w.Shares) {
				t.Errorf("options %+v, want %+v", *got, w)
			}
		})
	}
}

// writeCorpus writes a JSONL corpus of n articles of Japanese-like text.
func writeCorpus(t *testing.T, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	sy := []string{"東京", "は", "日本", "の", "首都", "で", "ある", "大学", "研究", "が", "多い", "人口", "約", "万人"}
	k := 0
	for i := range n {
		var paras []string
		for p := range 1 + i%4 {
			var ss []string
			for s := range 2 + (i+p)%5 {
				var w strings.Builder
				for range 4 + (i*7+s*3+p)%25 {
					w.WriteString(sy[k%len(sy)])
					k += 3 + i%5
				}
				if (i+s)%3 == 0 {
					fmt.Fprintf(&w, "%d", i*s)
				}
				w.WriteString("。")
				ss = append(ss, w.String())
			}
			paras = append(paras, strings.Join(ss, "\n"))
		}
		j, _ := json.Marshal(map[string]string{"id": fmt.Sprint(100 + i), "title": fmt.Sprintf("記事%d", i), "url": "u", "text": strings.Join(paras, "\n\n")})
		b.Write(j)
		b.WriteByte('\n')
	}
	p := filepath.Join(dir, "ja.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeCounter counts one token per 3 bytes plus a BOS.
type fakeCounter struct{}

func (fakeCounter) CountTokens(s string) (int, error) { return 1 + (len(s)+2)/3, nil }

func TestBuildRun(t *testing.T) {
	dir := t.TempDir()
	corpus := writeCorpus(t, dir, 300)
	like := filepath.Join(dir, "wiki.test.raw")
	likeText := strings.Repeat(" = Robert Boulter = \n \n Robert Boulter is an English film , television and theatre actor . \n", 400)
	if err := os.WriteFile(like, []byte(likeText), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "ja-wiki.test.raw")
	ios, _, stdout, _ := iostreams.Test()
	opts := &BuildOptions{IO: ios, From: corpus, Like: like, Unit: mix.Bytes, Output: out, Format: mix.Wikitext, Seed: 3, JSON: true, Model: "fake.gguf"}
	old := OpenTokenCounter
	OpenTokenCounter = func(string) (mix.TokenCounter, io.Closer, error) { return fakeCounter{}, io2Closer{}, nil }
	defer func() { OpenTokenCounter = old }()
	if err := buildRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != len(likeText) {
		t.Fatalf("%d bytes, want %d", len(b), len(likeText))
	}
	m, err := manifest.Read(manifest.Path(out))
	if err != nil {
		t.Fatal(err)
	}
	if m.Counts["bytes"] != float64(len(likeText)) || m.Extra["deviation"] != float64(0) {
		t.Errorf("manifest counts %v extra deviation %v", m.Counts, m.Extra["deviation"])
	}
	likeCounts := m.Extra["like"].(map[string]any)
	if likeCounts["bytes"] != float64(len(likeText)) || likeCounts["tokens"] == nil || likeCounts["chunks_512"] == nil {
		t.Errorf("like counts %v", likeCounts)
	}
	if ids := m.Extra["article_ids"].([]any); len(ids) == 0 {
		t.Error("no article ids in the manifest")
	}
	var sum Summary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil || sum.Achieved != int64(len(likeText)) || sum.Counts.Tokens <= 0 {
		t.Errorf("summary %s (%v)", stdout, err)
	}

	// Same inputs and seed: byte-identical output.
	out2 := filepath.Join(dir, "again.raw")
	opts2 := *opts
	opts2.Output, opts2.JSON = out2, false
	if err := buildRun(context.Background(), &opts2); err != nil {
		t.Fatal(err)
	}
	b2, _ := os.ReadFile(out2)
	if string(b) != string(b2) {
		t.Error("rerun with the same seed differs")
	}

	// A second eval set that excludes the first shares no article.
	out3 := filepath.Join(dir, "disjoint.raw")
	opts3 := &BuildOptions{IO: ios, From: corpus, Target: 20_000, Unit: mix.Bytes, Output: out3, Seed: 3, Exclude: []string{manifest.Path(out)}}
	if err := buildRun(context.Background(), opts3); err != nil {
		t.Fatal(err)
	}
	m3, _ := manifest.Read(manifest.Path(out3))
	used := map[any]bool{}
	for _, id := range m.Extra["article_ids"].([]any) {
		used[id] = true
	}
	for _, id := range m3.Extra["article_ids"].([]any) {
		if used[id] {
			t.Fatalf("article %v used by both eval sets", id)
		}
	}
}

type io2Closer struct{}

func (io2Closer) Close() error { return nil }

func TestBuildRunBadInput(t *testing.T) {
	dir := t.TempDir()
	corpus := writeCorpus(t, dir, 5)
	badLike := filepath.Join(dir, "bad.raw")
	os.WriteFile(badLike, []byte("good\n\xff\n"), 0o644)
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o644)
	tests := []struct {
		name string
		opts BuildOptions
		want string
	}{
		{"like not UTF-8", BuildOptions{From: corpus, Like: badLike}, "bad.raw is not UTF-8: invalid byte 0xff at byte offset 5"},
		{"more than the corpus", BuildOptions{From: corpus, Target: 10_000_000}, "less than the 10000000 asked for"},
		{"empty corpus", BuildOptions{From: empty, Target: 100}, "holds no articles"},
		{"missing corpus", BuildOptions{From: filepath.Join(dir, "none.jsonl"), Target: 100}, "no such file"},
		{"no binding", BuildOptions{From: corpus, Target: 100, Unit: mix.Tokens, Model: "m.gguf"}, "not available in this build"},
	}
	old := OpenTokenCounter
	OpenTokenCounter = nil
	defer func() { OpenTokenCounter = old }()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _, _ := iostreams.Test()
			o := tt.opts
			o.IO = io
			o.Output = filepath.Join(t.TempDir(), "out.raw")
			err := buildRun(context.Background(), &o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if cmdutil.ExitCode(err) != cmdutil.ExitFailed {
				t.Errorf("exit code %d", cmdutil.ExitCode(err))
			}
			entries, _ := os.ReadDir(filepath.Dir(o.Output))
			if len(entries) != 0 {
				t.Errorf("left behind %v", entries)
			}
		})
	}
}

func TestBuildRunLanguages(t *testing.T) {
	dir := t.TempDir()
	ja := writeCorpus(t, t.TempDir(), 200)
	zh := writeCorpus(t, t.TempDir(), 200)
	out := filepath.Join(dir, "ja-zh.raw")
	ios, _, stdout, _ := iostreams.Test()
	cmd := NewCmdBuild(ios, nil)
	if err := cmdtest.Execute(cmd, fmt.Sprintf("--from ja=%s --from zh=%s --share ja=0.4,zh=0.6 --bytes 30001 --json -o %s", ja, zh, out)); err != nil {
		t.Fatal(err)
	}
	var sum Summary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != 30001 || sum.Achieved != 30001 || len(sum.Languages) != 2 {
		t.Fatalf("%d bytes, summary %+v", fi.Size(), sum)
	}
	if l := sum.Languages[1]; l.Name != "zh" || l.Language != "Chinese" || l.Target != 18001 || l.Achieved != 18001 || l.Counts.Bytes != 18001 {
		t.Errorf("zh part %+v", l)
	}
	m, err := manifest.Read(manifest.Path(out))
	if err != nil {
		t.Fatal(err)
	}
	if langs, _ := m.Extra["languages"].([]any); len(langs) != 2 || langs[0].(map[string]any)["corpus_sha256"] == "" {
		t.Errorf("manifest languages %v", m.Extra["languages"])
	}
}

// An eval set of whole conversations from a chat-formatted corpus: its
// manifest carries the mark and counts the conversations.
func TestBuildRunChat(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := range 100 {
		fmt.Fprintf(&b, `{"id":"c%d","text":"<start_of_turn>user\nQuestion %d?\n\nMore.<end_of_turn>\n<start_of_turn>model\nAnswer %d.<end_of_turn>\n"}`+"\n", i, i, i)
	}
	chat := filepath.Join(dir, "chat.jsonl")
	os.WriteFile(chat, []byte(b.String()), 0o644)
	cm := manifest.New(chat, nil)
	cm.Counts["conversations"] = 100
	cm.MarkChatFormatted()
	if err := cm.Write(); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "chat-eval.txt")
	opts := cmdtest.Parse(t, NewCmdBuild, "--from "+chat+" --conversations 25 -o "+out, "")
	ios, _, _, _ := iostreams.Test()
	opts.IO = ios
	if err := buildRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(out)
	m, err := manifest.Read(manifest.Path(out))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(text), "<end_of_turn>\n\n"); n != 25 || !m.SpecialTokens() || m.Counts["conversations"] != float64(25) || m.Parameters["format"] != "conversations" {
		t.Errorf("%d conversations written; manifest counts %v, format %v, special %v", n, m.Counts, m.Parameters["format"], m.SpecialTokens())
	}
}
