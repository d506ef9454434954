package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// DefaultKeys are the record keys tried, in order, when none is named:
// OpenAI-style "messages", then ShareGPT-style "conversations".
var DefaultKeys = []string{"messages", "conversations"}

// RecordError says why one record holds no usable conversation (a message
// without a role, content that is not text). Reason is short and fixed, for
// counting; Detail says which message.
type RecordError struct {
	Reason string
	Detail string
}

func (e *RecordError) Error() string {
	if e.Detail == "" {
		return e.Reason
	}
	return e.Reason + ": " + e.Detail
}

// rawMessage holds both shapes of a turn: {role, content} and {from, value}.
type rawMessage struct {
	Role    *string         `json:"role"`
	Content json.RawMessage `json:"content"`
	From    *string         `json:"from"`
	Value   json.RawMessage `json:"value"`
}

// ParseRecord decodes one JSON object and returns the conversation under
// key (DefaultKeys when key is empty), with the id from idKey when that key
// is present. Malformed JSON is an error; a record whose turns cannot be
// read is a *RecordError.
func ParseRecord(data []byte, key, idKey string) (Conversation, error) {
	if (key == "" || key == "messages" || key == "conversations") && (idKey == "" || idKey == "id") {
		return parseKnown(data, key, idKey)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return Conversation{}, fmt.Errorf("not a JSON object: %w", err)
	}
	var conv Conversation
	if idKey != "" {
		if raw, ok := obj[idKey]; ok {
			conv.ID = scalarString(raw)
		}
	}
	raw, found := lookupKey(obj, key)
	if !found {
		if key == "" {
			return Conversation{}, &RecordError{Reason: "no messages or conversations key"}
		}
		return Conversation{}, &RecordError{Reason: "no " + strconv.Quote(key) + " key"}
	}
	msgs, err := parseMessages(raw)
	if err != nil {
		return Conversation{}, err
	}
	conv.Messages = msgs
	return conv, nil
}

// knownRecord decodes the usual keys in one pass (encoding/json would
// otherwise check the line twice: once for the object, once for its turns).
type knownRecord struct {
	ID            json.RawMessage `json:"id"`
	Messages      *[]rawMessage   `json:"messages"`
	Conversations *[]rawMessage   `json:"conversations"`
}

func parseKnown(data []byte, key, idKey string) (Conversation, error) {
	var rec knownRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "id" {
			return Conversation{}, &RecordError{Reason: "turns are not a list of objects", Detail: err.Error()}
		}
		return Conversation{}, fmt.Errorf("not a JSON object: %w", err)
	}
	var conv Conversation
	if idKey != "" {
		conv.ID = scalarString(rec.ID)
	}
	raw := rec.Messages
	switch key {
	case "conversations":
		raw = rec.Conversations
	case "":
		if raw == nil {
			raw = rec.Conversations
		}
	}
	if raw == nil {
		if key == "" {
			return Conversation{}, &RecordError{Reason: "no messages or conversations key"}
		}
		return Conversation{}, &RecordError{Reason: "no " + strconv.Quote(key) + " key"}
	}
	msgs, err := toMessages(*raw)
	if err != nil {
		return Conversation{}, err
	}
	conv.Messages = msgs
	return conv, nil
}

func lookupKey(obj map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	if key != "" {
		raw, ok := obj[key]
		return raw, ok
	}
	for _, k := range DefaultKeys {
		if raw, ok := obj[k]; ok {
			return raw, true
		}
	}
	return nil, false
}

// parseMessages decodes a JSON list of turns in either shape.
func parseMessages(raw json.RawMessage) ([]Message, error) {
	var turns []rawMessage
	if err := json.Unmarshal(raw, &turns); err != nil {
		return nil, &RecordError{Reason: "turns are not a list of objects", Detail: err.Error()}
	}
	return toMessages(turns)
}

// toMessages checks decoded turns and maps them to messages.
func toMessages(turns []rawMessage) ([]Message, error) {
	if len(turns) == 0 {
		return nil, &RecordError{Reason: "empty conversation"}
	}
	msgs := make([]Message, len(turns))
	for i, t := range turns {
		m, err := t.message()
		if err != nil {
			err.Detail = fmt.Sprintf("turn %d", i+1)
			return nil, err
		}
		msgs[i] = m
	}
	return msgs, nil
}

func (t rawMessage) message() (Message, *RecordError) {
	switch {
	case t.Role != nil:
		s, ok := jsonString(t.Content)
		if !ok {
			return Message{}, &RecordError{Reason: "content is not a string"}
		}
		return Message{Role: *t.Role, Content: s}, nil
	case t.From != nil:
		s, ok := jsonString(t.Value)
		if !ok {
			return Message{}, &RecordError{Reason: "value is not a string"}
		}
		return Message{Role: ShareGPTRole(*t.From), Content: s}, nil
	}
	return Message{}, &RecordError{Reason: "turn has neither role nor from"}
}

// jsonString decodes a JSON string; null, numbers, lists and objects are
// not text.
func jsonString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	// The decoder has validated raw already: without escapes (and with valid
	// UTF-8, which the decoder would repair) the text is what lies between
	// the quotes.
	if inner := raw[1 : len(raw)-1]; bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// scalarString renders a JSON string or number as text ("" otherwise).
func scalarString(raw json.RawMessage) string {
	if s, ok := jsonString(raw); ok {
		return s
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		return string(raw)
	}
	return ""
}

// messagesFromValues reads turns decoded from parquet (a list of
// {role, content} or {from, value} groups).
func messagesFromValues(turns []any) ([]Message, *RecordError) {
	if len(turns) == 0 {
		return nil, &RecordError{Reason: "empty conversation"}
	}
	msgs := make([]Message, len(turns))
	for i, t := range turns {
		m, ok := t.(map[string]any)
		if !ok {
			return nil, &RecordError{Reason: "turns are not a list of objects", Detail: fmt.Sprintf("turn %d", i+1)}
		}
		roleKey, textKey, mapRole := "role", "content", func(s string) string { return s }
		if _, ok := m["role"]; !ok {
			roleKey, textKey, mapRole = "from", "value", ShareGPTRole
		}
		role, ok := m[roleKey].(string)
		if !ok {
			return nil, &RecordError{Reason: "turn has neither role nor from", Detail: fmt.Sprintf("turn %d", i+1)}
		}
		text, ok := m[textKey].(string)
		if !ok {
			return nil, &RecordError{Reason: textKey + " is not a string", Detail: fmt.Sprintf("turn %d", i+1)}
		}
		msgs[i] = Message{Role: mapRole(role), Content: text}
	}
	return msgs, nil
}
