package study

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/manifest"
)

// writeChatCorpus writes a chat corpus as corpus build --chat-template
// writes its .jsonl, turns closed by "</s>" (the synthesized model's EOS
// control token), its manifest marked chat-formatted.
func writeChatCorpus(t *testing.T, dir string, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id":"c%d","text":"user\nWhat grows by river %d?\n\nTell me more.</s>\nassistant\nRice and trees grow there, %d of them.</s>\n"}`+"\n", i, i, i*7)
	}
	p := filepath.Join(dir, "chat.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	m := manifest.New(p, nil)
	m.Counts["conversations"] = n
	m.MarkChatFormatted()
	if err := m.Write(); err != nil {
		t.Fatal(err)
	}
}

// The shape of examples/studies/chat-vs-plain.yaml on synthesized inputs:
// a nested sweep of the chat share (plain, half, chat) at one total, and a
// chat eval set. The mixes holding conversations and the chat eval set are
// marked chat-formatted, so their imatrix parses special tokens; the plain
// one's does not; the eval set's conversations stay out of every mix.
func TestRunChatVsPlain(t *testing.T) {
	dir := t.TempDir()
	writeChatCorpus(t, dir, 200)
	dir, s := fixtureIn(t, dir, `imatrix:
  - name: chat
    sweep:
      base: en.raw
      add: {chat: chat.jsonl}
      shares: [0, 0.5, 1]
      total: "1500"
      nested: true
      chunk_tokens: 32
variants: [M]
eval:
  - {name: en, file: en.raw}
  - name: chat-eval
    build: {from: chat.jsonl, bytes: "1200"}
settings:
  ctx: 64
  threads: 2
  baseline: chat@0
`)
	out := filepath.Join(dir, "out")
	res, err := Run(context.Background(), Options{Spec: s, Dir: out})
	if err != nil {
		t.Fatalf("%v %+v", err, res.Failed)
	}
	if len(res.Records) != 6 {
		t.Fatalf("%d records", len(res.Records))
	}
	for _, r := range res.Records {
		if r.PPL <= 1 || len(r.ChunkNLL) < 2 {
			t.Errorf("%s: PPL %g over %d chunks", r.Cell, r.PPL, len(r.ChunkNLL))
		}
	}
	evals, _ := filepath.Glob(filepath.Join(out, "steps", "eval", "*", "eval.txt"))
	if len(evals) != 1 {
		t.Fatalf("eval sets %v", evals)
	}
	em, err := manifest.Read(manifest.Path(evals[0]))
	if err != nil || !em.SpecialTokens() {
		t.Fatalf("the chat eval set is not marked chat-formatted: %v", err)
	}
	held := map[string]bool{}
	for _, id := range em.Extra["article_ids"].([]any) {
		held[id.(string)] = true
	}
	mixes, _ := filepath.Glob(filepath.Join(out, "steps", "sweep", "*", "share-*.txt"))
	ims, _ := filepath.Glob(filepath.Join(out, "steps", "imatrix", "*", "imatrix.gguf.manifest.json"))
	if len(mixes) != 3 || len(ims) != 3 {
		t.Fatalf("mixes %v, imatrix manifests %v", mixes, ims)
	}
	for _, mx := range mixes {
		m, err := manifest.Read(manifest.Path(mx))
		if err != nil {
			t.Fatal(err)
		}
		chat := !strings.HasSuffix(mx, "share-0.txt")
		if m.SpecialTokens() != chat {
			t.Errorf("%s: marked chat-formatted %v", filepath.Base(mx), m.SpecialTokens())
		}
		text, _ := os.ReadFile(mx)
		for id := range held {
			if strings.Contains(string(text), fmt.Sprintf("river %s?", strings.TrimPrefix(id, "c"))) {
				t.Errorf("%s holds conversation %s of the eval set", filepath.Base(mx), id)
			}
		}
	}
	special := 0
	for _, p := range ims {
		m, err := manifest.Read(p)
		if err != nil {
			t.Fatal(err)
		}
		if m.Parameters["parse_special"] == true {
			special++
		}
	}
	if special != 2 {
		t.Errorf("%d of 3 imatrix steps parsed special tokens, want 2 (the mixes holding conversations)", special)
	}
}
