package corpus

import (
	"time"

	"github.com/calibkit/calibkit/chat"
)

// TemplateChatOptions compiles the chat template src (called name in
// errors and the manifest) with bos and eos as its bos_token and eos_token
// and date as what strftime_now prints, and returns the ChatOptions that
// render with it: template, name, sha256, tokens and date filled in, and
// corpus build's default normalization of message contents for
// conversations (line breaks and control characters; no NFKC, spaces kept).
func TemplateChatOptions(name, src, bos, eos string, date time.Time) (ChatOptions, error) {
	tmpl, err := chat.Compile(name, src, chat.Options{BOS: bos, EOS: eos, Now: date})
	if err != nil {
		return ChatOptions{}, err
	}
	return ChatOptions{
		Template: tmpl, TemplateName: name, TemplateSHA256: TemplateSHA256(src),
		BOS: bos, EOS: eos, Date: date.Format(time.DateOnly),
		Normalize: NormalizeOptions{Newlines: true, StripControls: true},
	}, nil
}

// ModelChatOptions is TemplateChatOptions for the chat template of the
// GGUF model at path (`corpus build --chat-template-from`): its
// tokenizer.chat_template, named "PATH tokenizer.chat_template", with the
// model's BOS and EOS token texts, each replaced by bos or eos when not
// empty.
func ModelChatOptions(path, bos, eos string, date time.Time) (ChatOptions, error) {
	mt, err := chat.FromGGUF(path)
	if err != nil {
		return ChatOptions{}, err
	}
	if bos == "" {
		bos = mt.BOS
	}
	if eos == "" {
		eos = mt.EOS
	}
	return TemplateChatOptions(path+" tokenizer.chat_template", mt.Source, bos, eos, date)
}
