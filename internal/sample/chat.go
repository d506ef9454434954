package sample

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/calibkit/calibkit/internal/atomicfile"
)

// Names, in FS, of the bundled conversations: short Japanese and English
// chats written for calibkit (CC0; see data/chat/README.md), one
// {"id","messages"} record a line.
const (
	ChatJa = "chat/ja.jsonl"
	ChatEn = "chat/en.jsonl"
)

// ChatEvalConversations is how many conversations of each language, from
// the end of its file, ChatSplit makes eval conversations.
const ChatEvalConversations = 6

var chatFiles = map[string]string{"ja": ChatJa, "en": ChatEn}

// ChatLangs lists the languages Chat has conversations for, sorted.
func ChatLangs() []string {
	langs := make([]string, 0, len(chatFiles))
	for l := range chatFiles {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	return langs
}

// Chat returns the bundled conversations of lang ("ja" or "en") as
// messages JSONL, one conversation a line, in the order of their file.
func Chat(lang string) ([]byte, error) {
	name, ok := chatFiles[lang]
	if !ok {
		return nil, fmt.Errorf("sample conversations: none for language %q; have %s", lang, strings.Join(ChatLangs(), ", "))
	}
	b, err := fs.ReadFile(FS(), name)
	if err != nil {
		return nil, fmt.Errorf("sample file %s: %w", name, err)
	}
	return b, nil
}

// ChatSplit writes DIR/train-chat.jsonl (every language's conversations but
// its last ChatEvalConversations, the languages alternating) and
// DIR/eval-chat.jsonl (those last ones, language by language), and returns
// their paths keyed "train-chat" and "eval-chat". No conversation is in
// both.
func ChatSplit(dir string) (map[string]string, error) {
	var train [][][]byte
	var eval [][]byte
	for _, lang := range ChatLangs() {
		b, err := Chat(lang)
		if err != nil {
			return nil, err
		}
		lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
		if len(lines) <= ChatEvalConversations {
			return nil, fmt.Errorf("sample conversations %s: %d, too few to keep %d for eval", lang, len(lines), ChatEvalConversations)
		}
		cut := len(lines) - ChatEvalConversations
		train = append(train, lines[:cut])
		eval = append(eval, lines[cut:]...)
	}
	var inter [][]byte
	for i := 0; ; i++ {
		added := false
		for _, t := range train {
			if i < len(t) {
				inter = append(inter, t[i])
				added = true
			}
		}
		if !added {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sample conversations: %w", err)
	}
	out := map[string]string{}
	for key, lines := range map[string][][]byte{"train-chat": inter, "eval-chat": eval} {
		p := filepath.Join(dir, key+".jsonl")
		if _, err := atomicfile.WriteFile(p, bytes.NewReader(append(bytes.Join(lines, []byte("\n")), '\n'))); err != nil {
			return nil, err
		}
		out[key] = p
	}
	return out, nil
}
