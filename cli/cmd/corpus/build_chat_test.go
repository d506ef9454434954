package corpuscmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/corpus"
	"github.com/calibkit/calibkit/internal/manifest"
)

func TestNewCmdBuildChatFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		check   func(*testing.T, *BuildOptions)
		wantErr string
	}{
		{"chat defaults", "a.jsonl -o out.txt --chat-template chatml", func(t *testing.T, o *BuildOptions) {
			n := o.Corpus.Normalize
			if !o.Chat.chatOn() || o.Chat.Template != "chatml" || n.NFKC || n.CollapseSpaces || !n.Newlines || !n.StripControls {
				t.Errorf("chat %+v normalize %+v", o.Chat, n)
			}
		}, ""},
		{"chat everything", "a.parquet -o out.jsonl --chat-template-from m.gguf --chat-column conv --chat-bos B --chat-eos E --chat-date 2025-01-02 --nfkc",
			func(t *testing.T, o *BuildOptions) {
				if (o.Chat != ChatFlags{From: "m.gguf", Column: "conv", BOS: "B", EOS: "E", Date: "2025-01-02"}) || !o.Corpus.Normalize.NFKC {
					t.Errorf("chat %+v", o.Chat)
				}
			}, ""},
		{"two templates", "a -o o.txt --chat-template chatml --chat-template-from m.gguf", nil, "not both"},
		{"chat flag without template", "a -o o.txt --chat-column messages", nil, "--chat-column needs --chat-template"},
		{"segment with chat", "a -o o.txt --chat-template chatml --segment paragraphs", nil, "--segment does not apply to conversations"},
		{"bad date", "a -o o.txt --chat-template chatml --chat-date 5/3/2025", nil, "YYYY-MM-DD"},
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

func TestBuildChatRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "chats.jsonl")
	os.WriteFile(in, []byte(`{"id": "1", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}]}
{"id": "2", "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "x"}]}
`), 0o644)
	tmplFile := filepath.Join("..", "..", "..", "chat", "testdata", "templates", "google-gemma-2-2b-it.jinja")
	out := filepath.Join(dir, "out.txt")
	io, _, stdout, stderr := iostreams.Test()
	opts := &BuildOptions{IO: io, Inputs: []string{in}, Output: out, JSON: true, Corpus: corpus.DefaultOptions(),
		Chat: ChatFlags{Template: tmplFile, BOS: "<bos>", Date: "2025-03-05"}, Command: []string{"calibkit"}}
	if err := buildChatRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if want := "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n\n"; string(b) != want {
		t.Errorf("output %q, want %q", b, want)
	}
	var sum ChatSummary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil || sum.Stats.ConversationsWritten != 1 {
		t.Fatalf("summary %q: %v", stdout, err)
	}
	// The template's own message is in the summary, with where it first happened.
	if !strings.Contains(stderr.String(), "skipped: 1: template: System role not supported (first at "+in+" line 2)") {
		t.Errorf("stderr %q", stderr)
	}
	m, err := manifest.Read(manifest.Path(out))
	if err != nil {
		t.Fatal(err)
	}
	if !m.SpecialTokens() || m.Parameters["chat_date"] != "2025-03-05" || m.Parameters["bos_token"] != "<bos>" {
		t.Errorf("manifest %+v", m.Parameters)
	}

	// An unknown template name is an error naming the built-ins.
	opts.Chat.Template = "nonesuch"
	opts.Output = filepath.Join(dir, "out2.txt")
	if err := buildChatRun(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "chatml") {
		t.Errorf("error %v", err)
	}
}

// A .txt output whose conversations hold blank lines of their own says that
// mix and eval build need the .jsonl form; the .jsonl output needs no note.
func TestBuildChatBlankLineNote(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "chats.jsonl")
	os.WriteFile(in, []byte(`{"id": "1", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "One.\n\nTwo."}]}
{"id": "2", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "One line."}]}
`), 0o644)
	for _, tc := range []struct {
		out      string
		wantNote bool
		count    int64
	}{
		{"chat.txt", true, 1},
		{"chat.jsonl", false, 0},
	} {
		io, _, stdout, stderr := iostreams.Test()
		opts := &BuildOptions{IO: io, Inputs: []string{in}, Output: filepath.Join(dir, tc.out), JSON: true, Corpus: corpus.DefaultOptions(),
			Chat: ChatFlags{Template: "chatml", Date: "2025-03-05"}, Command: []string{"calibkit"}}
		if err := buildChatRun(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		note := "note: 1 of the conversations hold blank lines of their own, so this .txt does not say where each one ends: " +
			"imatrix reads it as it is, but mix, sweep and eval build refuse it; write " + filepath.Join(dir, "chat") + ".jsonl to use it there\n"
		if got := strings.Contains(stderr.String(), note); got != tc.wantNote {
			t.Errorf("%s: note in stderr %v, want %v: %q", tc.out, got, tc.wantNote, stderr)
		}
		var sum ChatSummary
		if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
			t.Fatal(err)
		}
		if sum.Stats.BlankLineConversations != tc.count {
			t.Errorf("%s: %d conversations with blank lines, want %d", tc.out, sum.Stats.BlankLineConversations, tc.count)
		}
	}
}
