package corpuscmd

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/corpus"
)

func TestNewCmdBuildFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		check   func(*testing.T, *BuildOptions)
		wantErr string
	}{
		{"defaults", "a.parquet -o out.txt", func(t *testing.T, o *BuildOptions) {
			d := corpus.DefaultOptions()
			if o.Corpus.Segment != corpus.SegmentSentences || !o.Corpus.Dedup || o.Corpus.MinChars != d.MinChars ||
				!o.Corpus.Normalize.NFKC || len(o.Corpus.Clean.TrailingSections) != len(corpus.DefaultTrailingSections) ||
				o.Corpus.Reader != corpus.DefaultReaderOptions() || o.Corpus.Workers != d.Workers {
				t.Errorf("options %+v", o.Corpus)
			}
			if len(o.Inputs) != 1 || o.Output != "out.txt" {
				t.Errorf("inputs %v output %q", o.Inputs, o.Output)
			}
		}, ""},
		{"everything", "a b --output out.jsonl --segment paragraphs --nfkc=false --newlines=false --strip-controls=false " +
			"--collapse-spaces=false --cut-trailing=false --empty-brackets=false --lang ja --ja-share 0.6 --min-chars 5 " +
			"--max-chars 80 --dedup=false --workers 3 --text-column body --id-column= --title-column name --url-column link --json",
			func(t *testing.T, o *BuildOptions) {
				c := o.Corpus
				if c.Segment != corpus.SegmentParagraphs || c.Normalize != (corpus.NormalizeOptions{}) || c.Clean.TrailingSections != nil ||
					c.Clean.EmptyBrackets || c.Clean.Lang != "ja" || c.Clean.JapaneseShare != 0.6 || c.MinChars != 5 ||
					c.MaxChars != 80 || c.Dedup || c.Workers != 3 || !o.JSON ||
					c.Reader != (corpus.ReaderOptions{TextColumn: "body", TitleColumn: "name", URLColumn: "link"}) {
					t.Errorf("options %+v", c)
				}
			}, ""},
		{"trailing list", "a -o o.txt --trailing-sections 脚注,関連項目", func(t *testing.T, o *BuildOptions) {
			if got := o.Corpus.Clean.TrailingSections; len(got) != 2 || got[1] != "関連項目" {
				t.Errorf("sections %v", got)
			}
		}, ""},
		{"no output", "a.parquet", nil, "-o OUT"},
		{"bad extension", "a.parquet -o out.csv", nil, ".txt or .jsonl"},
		{"no input", "-o out.txt", nil, "requires at least 1 arg"},
		{"bad segment", "a -o o.txt --segment words", nil, "--segment"},
		{"bad lang", "a -o o.txt --lang xx", nil, "supported are ar, arz"},
		{"lang de", "a -o o.txt --lang de --lang-share 0.7 --lang-id=false --add-trailing-sections Nachweise", func(t *testing.T, o *BuildOptions) {
			c := o.Corpus.Clean
			if c.Lang != "de" || c.ScriptShare != 0.7 || c.LangID || c.TrailingSections[0] != "Einzelnachweise" ||
				c.TrailingSections[len(c.TrailingSections)-1] != "Nachweise" {
				t.Errorf("clean options %+v", c)
			}
		}, ""},
		{"ja-share alias", "a -o o.txt --lang zh --ja-share 0.4", func(t *testing.T, o *BuildOptions) {
			if c := o.Corpus.Clean; c.ScriptShare != 0.4 || c.TrailingSections[0] != "参考文献" {
				t.Errorf("clean options %+v", c)
			}
		}, ""},
		{"two shares", "a -o o.txt --lang zh --ja-share 0.4 --lang-share 0.5", nil, "alias"},
		{"bad lang share", "a -o o.txt --lang de --lang-share 1.5", nil, "--lang-share"},
		{"min above max", "a -o o.txt --min-chars 10 --max-chars 5", nil, "--min-chars"},
		{"zero workers", "a -o o.txt --workers 0", nil, "--workers"},
		{"bad share", "a -o o.txt --ja-share 2", nil, "--ja-share"},
		{"empty text column", "a -o o.txt --text-column=", nil, "--text-column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdBuild, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			tt.check(t, got)
		})
	}
}

func TestBuildRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "a.jsonl")
	os.WriteFile(in, []byte(`{"id":"1","title":"題","text":"一文目です。二文目です。\n参考文献\n本。"}`+"\n"+
		`{"id":"2","text":"一文目です。"}`+"\n"), 0o644)
	out := filepath.Join(dir, "out.txt")
	io, _, stdout, stderr := iostreams.Test()
	io.StderrTTY = true // the summary is chatter: shown on a terminal only
	opts := &BuildOptions{IO: io, Inputs: []string{filepath.Join(dir, "*.jsonl")}, Output: out, JSON: true,
		Corpus: corpus.DefaultOptions(), Command: []string{"calibkit", "corpus", "build"}}
	if err := buildRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if string(b) != "一文目です。\n二文目です。\n" {
		t.Errorf("output %q", b)
	}
	var sum Summary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("summary %q: %v", stdout, err)
	}
	if sum.Stats.Sentences != 2 || sum.Stats.Removed.Duplicates != 1 || sum.Stats.Removed.EmptyDocuments != 1 || sum.Manifest != out+".manifest.json" {
		t.Errorf("summary %+v", sum)
	}
	if !strings.Contains(stderr.String(), "1 duplicates") || !strings.Contains(stderr.String(), "read 2 documents from 1 file at") {
		t.Errorf("stderr %q", stderr)
	}
	if _, err := os.Stat(out + ".manifest.json"); err != nil {
		t.Error(err)
	}

	// A bad line fails the run and leaves no output.
	os.WriteFile(in, []byte("{\"text\": \"よし。\"}\nnot json\n"), 0o644)
	out2 := filepath.Join(dir, "out2.txt")
	opts.Output = out2
	err := buildRun(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), in+" line 2") || cmdutil.ExitCode(err) != cmdutil.ExitFailed {
		t.Errorf("error %v", err)
	}
	if _, err := os.Stat(out2); !os.IsNotExist(err) {
		t.Errorf("output left behind: %v", err)
	}
}

func TestBuildRunWarnsOfEmptyInput(t *testing.T) {
	dir := t.TempDir()
	full, empty := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	os.WriteFile(full, []byte("{\"text\": \"一文目です。\"}\n"), 0o644)
	os.WriteFile(empty, nil, 0o644)
	io, _, _, stderr := iostreams.Test()
	opts := &BuildOptions{IO: io, Inputs: []string{full, empty}, Output: filepath.Join(dir, "out.txt"),
		Corpus: corpus.DefaultOptions(), Command: []string{"calibkit", "corpus", "build"}}
	if err := buildRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if want := "calibkit: warning: " + empty + " holds no documents\n"; stderr.String() != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
}

// Ctrl-C cancels the command's context: the error says so and names the
// output that was not written.
func TestBuildRunInterrupted(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "out.txt")
	os.WriteFile(in, []byte("{\"text\": \"一文目です。\"}\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	io, _, _, _ := iostreams.Test()
	opts := &BuildOptions{IO: io, Inputs: []string{in}, Output: out,
		Corpus: corpus.DefaultOptions(), Command: []string{"calibkit", "corpus", "build"}}
	err := buildRun(ctx, opts)
	if err == nil || !strings.Contains(err.Error(), "interrupted: "+out+" was not written") || !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("output left behind: %v", err)
	}
}

// A run writing into the folder it reads must not read its earlier output.
func TestBuildRunLeavesOutOwnOutput(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "out.txt")
	os.WriteFile(in, []byte("{\"text\": \"一文目です。\"}\n"), 0o644)
	os.WriteFile(out, []byte("前の実行の出力です。\n"), 0o644)
	tests := []struct {
		name     string
		inputs   []string
		wantErr  string
		wantNote bool
	}{
		{"folder", []string{dir}, "", true},
		{"glob", []string{filepath.Join(dir, "*")}, "", true},
		{"named", []string{in, out}, "is the output file", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _, stderr := iostreams.Test()
			opts := &BuildOptions{IO: io, Inputs: tt.inputs, Output: out,
				Corpus: corpus.DefaultOptions(), Command: []string{"calibkit", "corpus", "build"}}
			err := buildRun(context.Background(), opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
					t.Fatalf("error %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(stderr.String(), "not reading "+out); got != tt.wantNote {
				t.Errorf("stderr %q", stderr)
			}
			if b, _ := os.ReadFile(out); string(b) != "一文目です。\n" {
				t.Errorf("output %q", b)
			}
			os.WriteFile(out, []byte("前の実行の出力です。\n"), 0o644)
		})
	}
}

// TestBuildRunLang runs `corpus build --lang de` through the command: the
// German splitter, headings and filter, counted in the summary.
func TestBuildRunLang(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "a.jsonl")
	os.WriteFile(in, []byte(`{"id":"1","text":"Am 3. Oktober kam Dr. Weber an. Er blieb.\nThe town is known for its old church and its summer festival every year.\nEinzelnachweise\nEine Quelle. Noch eine."}`+"\n"), 0o644)
	out := filepath.Join(dir, "out.txt")
	io, _, stdout, _ := iostreams.Test()
	var got *BuildOptions
	cmd := NewCmdBuild(io, func(o *BuildOptions) error { got = o; return nil })
	if err := cmdtest.Execute(cmd, in+" --lang de --json -o "+out); err != nil {
		t.Fatal(err)
	}
	got.Command = []string{"calibkit", "corpus", "build"}
	if err := buildRun(context.Background(), got); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != "Am 3. Oktober kam Dr. Weber an.\nEr blieb.\n" {
		t.Errorf("output %q", b)
	}
	var sum Summary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatal(err)
	}
	if r := sum.Stats.Removed; r.TrailingSectionDocs != 1 || r.OtherLanguageLines != 1 {
		t.Errorf("removed %+v", r)
	}
}
