package manifest

import (
	"errors"
	"io/fs"
)

// Keys a text output's manifest sets in Extra when the text is
// conversations rendered with a chat template (KeyChatFormatted) and so
// carries special tokens written as text, to be tokenized as special
// tokens (llama.cpp's --parse-special; KeySpecialTokens).
const (
	KeyChatFormatted = "chat_formatted"
	KeySpecialTokens = "special_tokens"
)

// SpecialTokens reports whether m says its text carries special tokens.
func (m *Manifest) SpecialTokens() bool {
	if m == nil {
		return false
	}
	v, _ := m.Extra[KeySpecialTokens].(bool)
	return v
}

// MarkChatFormatted records in m that its text is chat-formatted and
// carries special tokens.
func (m *Manifest) MarkChatFormatted() {
	if m.Extra == nil {
		m.Extra = map[string]any{}
	}
	m.Extra[KeyChatFormatted] = true
	m.Extra[KeySpecialTokens] = true
}

// SpecialTokensOf reads the manifest beside the text file at path and
// reports whether it says the text carries special tokens; a text without
// a manifest does not.
func SpecialTokensOf(path string) (bool, error) {
	m, err := Read(Path(path))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return m.SpecialTokens(), nil
}
