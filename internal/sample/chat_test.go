package sample_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/sample"
)

type chatRecord struct {
	ID       string `json:"id"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

// TestChatConversations checks the bundled conversations: the sha256 that
// data/chat/README.md records, exactly the keys id and messages, unique
// ids, an optional system turn and then user and assistant turns
// alternating from user to assistant, no empty or padded content.
func TestChatConversations(t *testing.T) {
	readme, err := fs.ReadFile(sample.FS(), "chat/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range sample.ChatLangs() {
		b, err := sample.Chat(lang)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if !bytes.Contains(readme, []byte(hex.EncodeToString(sum[:]))) {
			t.Errorf("%s: sha256 %x is not the one data/chat/README.md records; update the README with the file", lang, sum)
		}
		ids := map[string]bool{}
		lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
		if len(lines) != 24 {
			t.Errorf("%s: %d conversations, the README says 24", lang, len(lines))
		}
		for i, line := range lines {
			var keys map[string]json.RawMessage
			var r chatRecord
			if err := json.Unmarshal(line, &keys); err != nil || len(keys) != 2 || json.Unmarshal(line, &r) != nil {
				t.Fatalf("%s line %d: want exactly {id, messages}: %s", lang, i+1, line)
			}
			if r.ID == "" || ids[r.ID] {
				t.Errorf("%s line %d: id %q empty or repeated", lang, i+1, r.ID)
			}
			ids[r.ID] = true
			msgs := r.Messages
			if len(msgs) > 0 && msgs[0].Role == "system" {
				msgs = msgs[1:]
			}
			if len(msgs) < 2 || len(msgs)%2 != 0 {
				t.Errorf("%s %s: %d turns after the system turn, want user/assistant pairs", lang, r.ID, len(msgs))
			}
			for j, m := range msgs {
				want := []string{"user", "assistant"}[j%2]
				if m.Role != want {
					t.Errorf("%s %s turn %d: role %q, want %q", lang, r.ID, j+1, m.Role, want)
				}
			}
			for _, m := range r.Messages {
				if m.Content == "" || strings.TrimSpace(m.Content) != m.Content || strings.Contains(m.Content, "<|") {
					t.Errorf("%s %s: content %q empty, padded or holding marker text", lang, r.ID, m.Content)
				}
			}
		}
	}
}

func TestChatSplitIsDisjoint(t *testing.T) {
	paths, err := sample.ChatSplit(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	read := func(key string) []string {
		b, err := os.ReadFile(paths[key])
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	train, eval := read("train-chat"), read("eval-chat")
	if len(eval) != 2*sample.ChatEvalConversations || len(train) != 48-len(eval) {
		t.Fatalf("%d training and %d eval conversations", len(train), len(eval))
	}
	seen := map[string]bool{}
	for _, l := range train {
		seen[l] = true
	}
	for _, l := range eval {
		if seen[l] {
			t.Errorf("eval conversation %.60q… is a training one too", l)
		}
	}
	// The training conversations alternate languages, so that any share of
	// the file (the trainer's held-out end) holds both.
	for i, l := range train {
		want := []string{`"id": "en-`, `"id": "ja-`}[i%2]
		if !strings.Contains(l, want) {
			t.Errorf("training conversation %d: %.30q…, want %s…", i, l, want)
		}
	}
}
