package llamacount

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/mix"
)

// writeChatCorpus writes a chat corpus as corpus build --chat-template
// writes its .jsonl ({"id","text"} per conversation, a manifest marked
// chat-formatted) whose turns are closed by "</s>", the synthesized SPM
// vocabulary's EOS control token: parsed as special it is one token,
// as text several.
func writeChatCorpus(t *testing.T, n int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "chat.jsonl")
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id":"c%d","text":"user\n東京の人口は%d万人ですか？</s>\nassistant\nはい、約%d万人です。</s>\n"}`+"\n", i, i, i+1)
	}
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	m := manifest.New(p, []string{"test"})
	m.Counts["conversations"] = n
	m.MarkChatFormatted()
	if err := m.Write(); err != nil {
		t.Fatal(err)
	}
	return p
}

// Token sizes of chat-formatted text count its special tokens as special
// tokens, as imatrix will tokenize it: an eval set's whole-file count, a
// mix's per-source counts, and the manifests' token counts.
func TestChatTokensParseSpecial(t *testing.T) {
	model := tinyModel(t)
	c, err := Open(model)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if n, _ := c.CountTokensSpecial("</s>"); n != 2 { // BOS and the one special token
		t.Fatalf("</s> parsed as special: %d tokens with BOS, want 2", n)
	}
	ctx := context.Background()
	chat := writeChatCorpus(t, 60)
	dir := t.TempDir()
	out := filepath.Join(dir, "eval.txt")
	r, err := mix.MakeEval(ctx, mix.MakeEvalOptions{From: chat, Target: 300, Unit: mix.Tokens, Counter: c, Model: model, Output: out, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(out)
	special, _ := c.CountTokensSpecial(string(text))
	asText, _ := c.CountTokens(string(text))
	if r.Eval.Achieved != int64(special) || r.Counts.Tokens != int64(special) || special >= asText || r.Eval.Achieved > 300 || r.Eval.Achieved < 250 {
		t.Errorf("eval set: achieved %d, counted %d; the file has %d tokens with special tokens parsed, %d without", r.Eval.Achieved, r.Counts.Tokens, special, asText)
	}
	if m, err := manifest.Read(manifest.Path(out)); err != nil || !m.SpecialTokens() || m.Counts["tokens"] != float64(special) {
		t.Errorf("eval manifest: %v, counts %v", err, m)
	}

	// A mix of a plain base and the chat corpus: every token count parses
	// special tokens, so the conversations' per-line sum is what the
	// special tokenizer gives each conversation.
	var base []string
	for i := range 80 {
		base = append(base, fmt.Sprintf("Base line %d of the calibration text.", i))
	}
	pool, err := mix.OpenPool(ctx, chat)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var buf bytes.Buffer
	res, err := mix.Mix(ctx, &buf, mix.MixOptions{Base: base, Adds: []mix.Add{{Name: "chat", Pool: pool, Share: 0.5}},
		Total: 800, Unit: mix.Tokens, Counter: c, ChunkTokens: 64, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var wantChat, asTextChat int64
	for conv := range strings.SplitAfterSeq(buf.String(), "</s>\n\n") {
		if !strings.HasSuffix(conv, "</s>\n\n") {
			continue
		}
		// the conversation is the part after the last base line
		if i := strings.LastIndex(conv, "calibration text.\n"); i >= 0 {
			conv = conv[i+len("calibration text.\n"):]
		}
		n, _ := c.CountTokensSpecial(conv)
		m, _ := c.CountTokens(conv)
		wantChat += int64(n - 1)
		asTextChat += int64(m - 1)
	}
	st := res.Sources[1]
	if !st.ChatFormatted || st.Tokens != wantChat || wantChat >= asTextChat || st.ShareTokens < 0.4 || st.ShareTokens > 0.6 {
		t.Errorf("chat source: %+v; its conversations have %d tokens with special tokens parsed, %d without", st, wantChat, asTextChat)
	}
}
