package mix

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/chat/chattest"
	"github.com/calibkit/calibkit/corpus"
)

// Chat corpora in these tests are real ones: generated conversations
// rendered by `corpus.BuildChat` with Gemma 2's template from chat's test
// data, so their layout and manifests are what `calibkit corpus build
// --chat-template` writes.

// writeChatCorpus builds a chat corpus of n generated conversations (two
// to six turns of generated sentences) to dir/name (.jsonl or .txt). With
// paragraphs, some messages hold a blank line of their own.
func writeChatCorpus(t testing.TB, dir, name string, seed uint64, n int, paragraphs bool) string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 11))
	var in strings.Builder
	for i := range n {
		var msgs []map[string]string
		turns := 2 + 2*r.IntN(3)
		for k := range turns {
			role := "user"
			if k%2 == 1 {
				role = "assistant"
			}
			var b strings.Builder
			for s := range 1 + r.IntN(5) {
				if s > 0 {
					b.WriteString("\n")
					if paragraphs && r.IntN(3) == 0 {
						b.WriteString("\n")
					}
				}
				b.WriteString(genSentence(r))
			}
			msgs = append(msgs, map[string]string{"role": role, "content": b.String()})
		}
		j, err := json.Marshal(map[string]any{"id": fmt.Sprintf("c%d", i), "messages": msgs})
		if err != nil {
			t.Fatal(err)
		}
		in.Write(j)
		in.WriteByte('\n')
	}
	src := filepath.Join(dir, name+".records.jsonl")
	if err := os.WriteFile(src, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	_, err := corpus.BuildChat(context.Background(), []string{src}, out, []string{"test"}, corpus.ChatOptions{
		Template: chattest.Gemma2(t), TemplateName: "gemma-2", IDColumn: "id", Workers: 1,
		Normalize: corpus.NormalizeOptions{Newlines: true, StripControls: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// chatConversations returns the conversations of a chat corpus as an
// output writes them, by id.
func chatConversations(t testing.TB, path string) map[string]string {
	t.Helper()
	p, err := OpenPool(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	out := map[string]string{}
	for i := range p.Len() {
		c, err := p.conversation(i)
		if err != nil {
			t.Fatal(err)
		}
		out[c.id] = c.text
	}
	return out
}
