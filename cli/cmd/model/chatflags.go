package modelcmd

import (
	"fmt"
	"os"
	"slices"

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
	f.StringVar(&c.template, "chat-template", "", "store a chat template as tokenizer.chat_template: a Jinja file or a built-in name ("+joinNames()+"); with no --special, the built-in's turn markers become control tokens")
}

func joinNames() string {
	s := ""
	for i, n := range chat.BuiltinNames() {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

// apply fills m's Special and ChatTemplate from the flags. A template that
// does not compile is a usage error naming it.
func (c *chatFlags) apply(m *synth.Options) error {
	m.Special = slices.Clone(c.special)
	if c.template == "" {
		return nil
	}
	src, name := "", c.template
	if slices.Contains(chat.BuiltinNames(), c.template) {
		var err error
		if src, err = chat.Builtin(c.template); err != nil {
			return err
		}
		if len(m.Special) == 0 {
			m.Special = chat.BuiltinMarkers(c.template)
		}
	} else {
		b, err := os.ReadFile(c.template)
		if err != nil {
			return cmdutil.FlagErrorf("--chat-template %s: neither a built-in name (%s) nor a readable Jinja file: %v", c.template, joinNames(), err)
		}
		src = string(b)
	}
	if _, err := chat.Compile(name, src, chat.Options{}); err != nil {
		return &cmdutil.FlagError{Err: fmt.Errorf("--chat-template: %w", err)}
	}
	m.ChatTemplate = src
	return nil
}
