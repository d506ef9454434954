package chat

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ardanlabs/jinja"
)

// Options are the values Hugging Face's apply_chat_template gives a
// template besides the messages.
type Options struct {
	// BOS and EOS are the model's bos_token and eos_token texts.
	BOS, EOS string
	// Now is what strftime_now prints; fix it for reproducible outputs
	// (the zero value means the time of Compile).
	Now time.Time
}

// Template is a compiled chat template, safe for concurrent Render calls.
type Template struct {
	name string
	src  string
	tmpl *jinja.Template
	// fixed holds every value but messages, built once.
	fixed map[string]jinja.Value
}

// Compile parses a chat template; name (a file or "MODEL.gguf
// tokenizer.chat_template") is used in errors. A filter or test the
// renderer lacks is an *UnsupportedError here, before any rendering.
func Compile(name, src string, opts Options) (*Template, error) {
	tmpl, err := jinja.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("chat template %s: %w", name, err)
	}
	if err := checkConstructs(name, src); err != nil {
		return nil, err
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	fixed := map[string]jinja.Value{
		"bos_token":             jinja.NewString(opts.BOS),
		"eos_token":             jinja.NewString(opts.EOS),
		"add_generation_prompt": jinja.NewBool(false),
		"tools":                 jinja.None(),
		"documents":             jinja.None(),
		"raise_exception": jinja.NewCallable("raise_exception", func(args []jinja.Value, _ map[string]jinja.Value) (jinja.Value, error) {
			msg := ""
			if len(args) > 0 {
				msg = text(args[0])
			}
			return jinja.Undefined(), &RefusalError{Message: msg}
		}),
		"strftime_now": jinja.NewCallable("strftime_now", func(args []jinja.Value, _ map[string]jinja.Value) (jinja.Value, error) {
			format := "%Y-%m-%d"
			if len(args) > 0 {
				format = text(args[0])
			}
			s, err := strftime(format, now)
			if err != nil {
				return jinja.Undefined(), err
			}
			return jinja.NewString(s), nil
		}),
	}
	return &Template{name: name, src: src, tmpl: tmpl, fixed: fixed}, nil
}

// Name returns the name the template was compiled under.
func (t *Template) Name() string { return t.name }

// Render returns the conversation as the template formats it, with
// add_generation_prompt false. A template's raise_exception is a
// *RefusalError; a construct the renderer lacks is an *UnsupportedError;
// any other failure is an error naming the template.
func (t *Template) Render(c Conversation) (string, error) {
	data := make(map[string]jinja.Value, len(t.fixed)+1)
	for k, v := range t.fixed {
		data[k] = v
	}
	msgs := make([]jinja.Value, len(c.Messages))
	for i, m := range c.Messages {
		d := jinja.NewDict()
		dict := d.AsDict()
		dict.Set("role", jinja.NewString(m.Role))
		dict.Set("content", jinja.NewString(m.Content))
		msgs[i] = d
	}
	data["messages"] = jinja.NewList(msgs)
	out, err := t.tmpl.RenderValues(data)
	if err == nil {
		return out, nil
	}
	var refusal *RefusalError
	if errors.As(err, &refusal) {
		return "", refusal
	}
	if u := t.unsupported(err); u != nil {
		return "", u
	}
	return "", fmt.Errorf("chat template %s: render: %w", t.name, err)
}

var (
	unknownFilterRE  = regexp.MustCompile(`unknown filter "([^"]+)"`)
	unknownTestRE    = regexp.MustCompile(`unknown test "([^"]+)"`)
	notCallableRE    = regexp.MustCompile(`^(\S+) is not callable`)
	trailingMethodRE = regexp.MustCompile(`[A-Za-z_]\w*$`)
)

// unsupported maps the renderer's errors for a missing filter, test or
// method to an *UnsupportedError with the line where the name first
// appears; nil when err is something else.
func (t *Template) unsupported(err error) *UnsupportedError {
	msg := err.Error()
	if m := unknownFilterRE.FindStringSubmatch(msg); m != nil {
		return &UnsupportedError{Template: t.name, Construct: "filter " + m[1], Line: lineOf(t.src, `\|\s*`+regexp.QuoteMeta(m[1])+`\b`)}
	}
	if m := unknownTestRE.FindStringSubmatch(msg); m != nil {
		return &UnsupportedError{Template: t.name, Construct: "test " + m[1], Line: lineOf(t.src, `\bis\s+(?:not\s+)?`+regexp.QuoteMeta(m[1])+`\b`)}
	}
	if m := notCallableRE.FindStringSubmatch(msg); m != nil {
		name := trailingMethodRE.FindString(m[1])
		if name == "" {
			name = m[1]
		}
		return &UnsupportedError{Template: t.name, Construct: "method or function " + name + "()", Line: lineOf(t.src, `\b`+regexp.QuoteMeta(name)+`\s*\(`)}
	}
	return nil
}

// lineOf returns the 1-based line of the first match of pattern in src, or
// 0 when there is none.
func lineOf(src, pattern string) int {
	loc := regexp.MustCompile(pattern).FindStringIndex(src)
	if loc == nil {
		return 0
	}
	return strings.Count(src[:loc[0]], "\n") + 1
}

// text is a value as Jinja's str() prints it: a string as itself.
func text(v jinja.Value) string {
	if v.IsString() {
		return v.AsString()
	}
	return v.String()
}
