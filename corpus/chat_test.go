package corpus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/chat"
	"github.com/calibkit/calibkit/chat/chattest"
	"github.com/calibkit/calibkit/internal/manifest"
)

const chatJSONL = `{"id": "a", "messages": [{"role": "user", "content": "Hi\u200b there\r\n"}, {"role": "assistant", "content": "Hello."}]}
{"id": "b", "messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "x"}]}
{"id": "c", "conversations": [{"from": "human", "value": "Hi there"}, {"from": "gpt", "value": "Hello."}]}
{"id": "d", "messages": [{"role": "user", "content": null}]}
{"id": "e", "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}
{"id": "f", "messages": [{"role": "system", "content": "T"}]}
`

func TestBuildChat(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "chats.jsonl")
	if err := os.WriteFile(in, []byte(chatJSONL), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := ChatOptions{Template: chattest.Gemma2(t), TemplateName: "gemma-2", IDColumn: "id", Dedup: true, Workers: 2,
		Normalize: NormalizeOptions{Newlines: true, StripControls: true}}
	out := filepath.Join(dir, "chat.txt")
	st, err := BuildChat(context.Background(), []string{in}, out, []string{"test"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	// Record a (zero-width space and CRLF normalized in the content, then
	// trimmed by the template); c is the same conversation in ShareGPT
	// shape, so a duplicate; b, e, f are refused; d has no text.
	want := "<bos><start_of_turn>user\nHi there<end_of_turn>\n<start_of_turn>model\nHello.<end_of_turn>\n\n"
	if string(got) != want {
		t.Fatalf("output %q, want %q", got, want)
	}
	wantSkips := map[string]int64{
		"template: System role not supported":                                           2,
		"template: Conversation roles must alternate user/assistant/user/assistant/...": 1,
		"content is not a string":                                                       1,
	}
	if fmt.Sprint(st.Skipped) != fmt.Sprint(wantSkips) || st.Duplicates != 1 || st.RecordsRead != 6 || st.ConversationsWritten != 1 {
		t.Fatalf("stats %+v", st)
	}
	if ex := st.SkipExamples["template: System role not supported"]; ex != in+" line 2" {
		t.Errorf("first refusal at %q, want %s line 2", ex, in)
	}
	m, err := manifest.Read(manifest.Path(out))
	if err != nil {
		t.Fatal(err)
	}
	if !m.SpecialTokens() || m.Extra[manifest.KeyChatFormatted] != true || m.Parameters["unit"] != "conversations" {
		t.Errorf("manifest does not say chat-formatted with special tokens: %+v", m)
	}
	if ok, err := manifest.SpecialTokensOf(out); !ok || err != nil {
		t.Errorf("SpecialTokensOf = %v, %v", ok, err)
	}
	if ok, err := manifest.SpecialTokensOf(in); ok || err != nil {
		t.Errorf("SpecialTokensOf(no manifest) = %v, %v", ok, err)
	}

	// JSONL output keeps each conversation as one record.
	outJ := filepath.Join(dir, "chat.jsonl")
	if _, err := BuildChat(context.Background(), []string{in}, outJ, nil, opts); err != nil {
		t.Fatal(err)
	}
	gotJ, _ := os.ReadFile(outJ)
	var rec struct{ ID, Text string }
	if err := json.Unmarshal(bytes.TrimSpace(gotJ), &rec); err != nil || rec.ID != "a" || rec.Text != strings.TrimSuffix(want, "\n") {
		t.Fatalf("jsonl %q: %+v %v", gotJ, rec, err)
	}
}

func TestBuildChatWorkersInvariant(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "chats.jsonl")
	var b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&b, `{"messages": [{"role": "user", "content": "question %d"}, {"role": "assistant", "content": "answer %d"}]}`+"\n", i%1500, i)
	}
	os.WriteFile(in, []byte(b.String()), 0o644)
	var outs []string
	for _, w := range []int{1, 3} {
		var buf bytes.Buffer
		_, err := ProcessChat(context.Background(), []string{in}, &buf, OutputText, ChatOptions{Template: chattest.Gemma2(t), Dedup: true, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, buf.String())
	}
	if outs[0] != outs[1] {
		t.Fatal("the output depends on the worker count")
	}
}

func TestBuildChatErrors(t *testing.T) {
	dir := t.TempDir()
	refused := filepath.Join(dir, "refused.jsonl")
	os.WriteFile(refused, []byte(`{"messages": [{"role": "system", "content": "S"}]}`+"\n"), 0o644)
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"messages\": []}\nnot json\n"), 0o644)
	txt := filepath.Join(dir, "plain.txt")
	os.WriteFile(txt, []byte("hello\n"), 0o644)
	method, err := chat.Compile("m.jinja", "{% for m in messages %}\n{{ m.content.zfill(2) }}{% endfor %}", chat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ok := filepath.Join(dir, "ok.jsonl")
	os.WriteFile(ok, []byte(`{"messages": [{"role": "user", "content": "x"}]}`+"\n"), 0o644)
	for _, tt := range []struct {
		in   string
		tmpl *chat.Template
		want string
	}{
		{refused, chattest.Gemma2(t), "all 1 records read were skipped (1: template: System role not supported (first at " + refused + " line 1))"},
		{bad, chattest.Gemma2(t), bad + " line 2"},
		{txt, chattest.Gemma2(t), "conversations are read from parquet or JSONL"},
		{ok, method, "m.jinja line 2 uses method or function zfill()"},
	} {
		out := filepath.Join(dir, "out.txt")
		_, err := BuildChat(context.Background(), []string{tt.in}, out, nil, ChatOptions{Template: tt.tmpl, Workers: 1})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.in, err, tt.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: an output was left after the error", tt.in)
		}
	}
}
