package modelcmd

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/calibkit/calibkit/chat"
	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/internal/synth"
)

// chatFlags are the flags that give a synthesized or trained model a chat
// template and the control tokens its turn markers are.
type chatFlags struct {
	special  []string
	template string
}

func (c *chatFlags) add(f *pflag.FlagSet) {
	f.StringArrayVar(&c.special, "special", nil, "a control token added after the vocabulary, e.g. a chat template's turn marker '<|im_start|>' (repeat the flag for more); llama.cpp reads its text as that one token when parsing special tokens")
	f.StringVar(&c.template, "chat-template", "", "store a chat template as tokenizer.chat_template: a Jinja file or a built-in name ("+strings.Join(chat.BuiltinNames(), ", ")+"); with no --special, the built-in's turn markers become control tokens")
}

// apply fills m's Special and ChatTemplate from the flags. A template that
// does not compile is a usage error naming it.
func (c *chatFlags) apply(m *synth.Options) error {
	m.Special = slices.Clone(c.special)
	if c.template == "" {
		return nil
	}
	src, builtin, err := chat.LoadTemplate(c.template)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	if builtin && len(m.Special) == 0 {
		m.Special = chat.BuiltinMarkers(c.template)
	}
	if _, err := chat.Compile(c.template, src, chat.Options{}); err != nil {
		return &cmdutil.FlagError{Err: fmt.Errorf("--chat-template: %w", err)}
	}
	m.ChatTemplate = src
	return nil
}
