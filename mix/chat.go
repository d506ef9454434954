package mix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/calibkit/calibkit/internal/manifest"
)

// PoolOption sets how NewPool reads a corpus.
type PoolOption func(*Pool) error

// AsConversations reads the corpus as chat-formatted conversations, as
// `calibkit corpus build --chat-template` writes them: a JSONL line's
// "text" is one conversation, as the template rendered it; a text corpus
// holds each conversation followed by a blank line. A conversation is
// never cut: it is the smallest piece an eval set, a mix or a sweep takes.
// want, when positive, is the number of conversations the corpus's
// manifest records; a text corpus whose blank lines cut it into another
// number of pieces is refused, because some conversation holds a blank
// line of its own and the file no longer says where each one ends.
func AsConversations(want int64) PoolOption {
	return func(p *Pool) error {
		p.chat = true
		p.wantConvs = want
		return nil
	}
}

// Chat reports whether the pool's pieces are chat-formatted conversations.
func (p *Pool) Chat() bool { return p.chat }

// ChatMark is what the manifest beside a corpus or text file says about
// chat formatting.
type ChatMark struct {
	// Chat is true when the manifest marks the text chat-formatted.
	Chat bool
	// Conversations is the count the manifest records (0: none).
	Conversations int64
}

// ReadChatMark reads the manifest beside the file at path (path +
// ".manifest.json") and reports whether it marks the text chat-formatted
// (`extra.chat_formatted`, as `calibkit corpus build --chat-template` and
// the mixes of such corpora write it). A file without a manifest is plain
// text.
func ReadChatMark(path string) (ChatMark, error) {
	m, err := manifest.Read(manifest.Path(path))
	if errors.Is(err, fs.ErrNotExist) {
		return ChatMark{}, nil
	}
	if err != nil {
		return ChatMark{}, err
	}
	chat, _ := m.Extra[manifest.KeyChatFormatted].(bool)
	mk := ChatMark{Chat: chat}
	if chat {
		if n, ok := m.Counts["conversations"].(float64); ok && n > 0 {
			mk.Conversations = int64(n)
		}
	}
	return mk, nil
}

// checkConversations verifies a chat text corpus's boundaries against the
// count its manifest records.
func (p *Pool) checkConversations() error {
	if !p.chat || p.kind != kindText || p.wantConvs <= 0 || int64(len(p.spans)) == p.wantConvs {
		return nil
	}
	return fmt.Errorf("chat corpus %s: its blank lines cut it into %d pieces, but its manifest records %d conversations: "+
		"some conversations hold blank lines of their own, so the .txt form does not say where each one ends; "+
		"build the corpus as .jsonl (calibkit corpus build ... -o %s), whose lines are whole conversations",
		p.path, len(p.spans), p.wantConvs, strings.TrimSuffix(p.path, ".txt")+".jsonl")
}

// conversation is one conversation of a chat corpus.
type conversation struct {
	id   string
	line int64 // 1-based line of the corpus where it starts
	// text is the conversation as written to an output: the template's
	// rendering, a "\n" when it does not end in one, and a blank line,
	// as `corpus build` writes a .txt corpus.
	text string
}

// where names the conversation in errors.
func (c *conversation) where(path string) string {
	return fmt.Sprintf("conversation %s (%s line %d)", c.id, path, c.line)
}

// Conversation reads conversation i (0-based, in file order) of a chat
// pool.
func (p *Pool) conversation(i int) (*conversation, error) {
	s := p.spans[i]
	b, err := p.read(s)
	if err != nil {
		return nil, err
	}
	c := &conversation{id: fmt.Sprintf("line:%d", s.line), line: s.line}
	var text string
	if p.kind == kindJSONL {
		var ja jsonArticle
		if err := json.Unmarshal(b, &ja); err != nil {
			return nil, fmt.Errorf("chat corpus %s line %d: not a JSON object: %w", p.path, s.line, err)
		}
		if ja.Text == nil {
			return nil, fmt.Errorf("chat corpus %s line %d: no \"text\" field (want {\"id\",\"text\"}, as corpus build --chat-template writes)", p.path, s.line)
		}
		if err := jsonID(p.path, s.line, ja.ID, &c.id); err != nil {
			return nil, err
		}
		text = *ja.Text
	} else {
		if !utf8.Valid(b) {
			return nil, fmt.Errorf("chat corpus %s: invalid UTF-8 at byte offset %d (conversation starting on line %d): convert the file to UTF-8",
				p.path, s.off+int64(invalidUTF8Offset(b)), s.line)
		}
		text = string(b)
	}
	c.text = conversationText(text)
	return c, nil
}

// conversationText lays out one conversation as corpus build's .txt does:
// the text, a "\n" when it does not end in one, then a blank line. An
// empty conversation gives "".
func conversationText(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	if strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s + "\n\n"
}

// ReadBase reads a mix's base: the lines of a text file (ReadLines), or,
// when its manifest marks it chat-formatted, its conversations in file
// order, each as MixOptions.Base holds them with chat true.
func ReadBase(ctx context.Context, path string) (lines []string, chat bool, err error) {
	mark, err := ReadChatMark(path)
	if err != nil {
		return nil, false, fmt.Errorf("base %s: %w", path, err)
	}
	if !mark.Chat {
		lines, err := ReadLines(path)
		return lines, false, err
	}
	p, err := OpenPool(ctx, path)
	if err != nil {
		return nil, false, err
	}
	defer p.Close()
	for i := range p.Len() {
		c, err := p.conversation(i)
		if err != nil {
			return nil, false, err
		}
		if c.text != "" {
			lines = append(lines, strings.TrimSuffix(c.text, "\n"))
		}
	}
	return lines, true, nil
}

// markChat records in m that its text is chat-formatted when any source
// is, and which sources were.
func markChat(m *manifest.Manifest, srcs []SourceStats) {
	var names []string
	convs := 0
	for _, s := range srcs {
		if s.ChatFormatted && s.Conversations > 0 {
			names = append(names, s.Name)
			convs += s.Conversations
		}
	}
	if names == nil {
		return
	}
	m.MarkChatFormatted()
	m.Extra["chat_sources"] = names
	m.Counts["conversations"] = convs
}
