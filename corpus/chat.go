package corpus

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/calibkit/calibkit/chat"
)

// ChatOptions configure a build of chat-formatted text from conversation
// records.
type ChatOptions struct {
	// Template renders each conversation; TemplateName (a file, a model's
	// GGUF, or a built-in name) and TemplateSHA256 go into the manifest.
	Template       *chat.Template
	TemplateName   string
	TemplateSHA256 string
	// BOS, EOS and Date are what the template was given, for the manifest.
	BOS, EOS, Date string
	// Column is the turns column or key ("" for messages, then
	// conversations); IDColumn the record id ("" for none).
	Column, IDColumn string
	// Normalize is applied to each message's content before rendering,
	// never to the template's markup.
	Normalize NormalizeOptions
	// Dedup drops a conversation whose rendered text was written before.
	Dedup   bool
	Workers int
}

// ChatStats are the measured counts of a chat-formatted build.
type ChatStats struct {
	Inputs               int   `json:"inputs"`
	RecordsRead          int64 `json:"records_read"`
	ConversationsWritten int64 `json:"conversations"`
	Duplicates           int64 `json:"duplicates"`
	// Skipped counts the records left out by reason: a template's refusal
	// ("template: <its message>") or a record without usable turns.
	Skipped map[string]int64 `json:"skipped"`
	// SkipExamples names the first record skipped for each reason.
	SkipExamples map[string]string `json:"skip_examples,omitempty"`
	// MessageBytes is the size of the message text read (roles and
	// contents); Bytes the output's size; Characters the characters of
	// the rendered text written.
	MessageBytes    int64 `json:"message_bytes"`
	Bytes           int64 `json:"bytes"`
	Characters      int64 `json:"characters"`
	ControlsRemoved int64 `json:"control_characters_removed"`
	InvalidUTF8     int64 `json:"invalid_utf8_replaced"`
	// BlankLineConversations counts the conversations of a .txt output
	// that hold a blank line of their own: there the blank line after
	// each conversation no longer says where it ends, and mix and eval
	// build refuse the file (the .jsonl form keeps every boundary).
	BlankLineConversations int64 `json:"conversations_with_blank_lines,omitempty"`
}

func (s *ChatStats) skip(reason, where string) {
	if s.Skipped == nil {
		s.Skipped = map[string]int64{}
		s.SkipExamples = map[string]string{}
	}
	if s.Skipped[reason] == 0 {
		s.SkipExamples[reason] = where
	}
	s.Skipped[reason]++
}

// SkipReasons returns the skip reasons, most frequent first.
func (s *ChatStats) SkipReasons() []string {
	rs := make([]string, 0, len(s.Skipped))
	for r := range s.Skipped {
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool {
		if s.Skipped[rs[i]] != s.Skipped[rs[j]] {
			return s.Skipped[rs[i]] > s.Skipped[rs[j]]
		}
		return rs[i] < rs[j]
	})
	return rs
}

// chatRecordReader is what both conversation readers offer.
type chatRecordReader interface {
	Next() (chat.Record, error)
}

// openChat opens a conversation input: parquet, or JSONL (also .gz, .zst).
func openChat(path string, opts *ChatOptions) (chatRecordReader, func() error, error) {
	switch FormatOf(path) {
	case FormatParquet:
		r, err := chat.OpenParquet(path, opts.Column, opts.IDColumn)
		if err != nil {
			return nil, nil, err
		}
		return r, r.Close, nil
	case FormatJSONL:
		r, _, closer, err := openStream(path)
		if err != nil {
			return nil, nil, err
		}
		return chat.NewJSONLReader(r, path, opts.Column, opts.IDColumn), closer, nil
	}
	return nil, nil, fmt.Errorf("input %s: conversations are read from parquet or JSONL (.jsonl, .ndjson), not %s", path, FormatOf(path))
}

// chatDoc is one record after rendering: its text, or why it was skipped.
type chatDoc struct {
	id, text   string
	skip       string
	where      string
	msgBytes   int64
	controls   int64
	invalidUTF int64
}

// renderChat normalizes the contents of one conversation and renders it.
func renderChat(n *normalizer, t *chat.Template, rec chat.Record, it *chatItem) (chatDoc, error) {
	if rec.Skip != nil {
		return chatDoc{skip: rec.Skip.Reason, where: it.where(rec.Line)}, nil
	}
	c := rec.Conversation
	d := chatDoc{id: c.ID, msgBytes: int64(c.Bytes())}
	for i, m := range c.Messages {
		var ns normStats
		c.Messages[i].Content = string(n.normalize(m.Content, &ns))
		d.controls += ns.controlsRemoved
		d.invalidUTF += ns.invalidUTF8
	}
	text, err := t.Render(c)
	var refusal *chat.RefusalError
	switch {
	case errors.As(err, &refusal):
		d.skip = "template: " + refusal.Message
		d.where = it.where(rec.Line)
		return d, nil
	case err != nil:
		return d, fmt.Errorf("%s: %w", it.where(rec.Line), err)
	}
	d.text = text
	return d, nil
}

// writeChat writes one rendered conversation: in .txt followed by a blank
// line (the conversation's own text is left as the template wrote it); in
// .jsonl as {"id","text"}.
func writeChat(w io.Writer, format OutputFormat, d *chatDoc, buf []byte) ([]byte, error) {
	buf = buf[:0]
	if format == OutputJSONL {
		buf = append(buf, `{"id":`...)
		buf = appendJSONString(buf, d.id)
		buf = append(buf, `,"text":`...)
		buf = appendJSONString(buf, d.text)
		buf = append(buf, "}\n"...)
	} else {
		buf = append(buf, d.text...)
		if !strings.HasSuffix(d.text, "\n") {
			buf = append(buf, '\n')
		}
		buf = append(buf, '\n')
	}
	_, err := w.Write(buf)
	return buf, err
}
