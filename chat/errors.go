package chat

import "fmt"

// RefusalError is a template's own raise_exception: the template does not
// accept this conversation (roles that do not alternate, an unknown role).
// Callers skip the conversation and count it by Message.
type RefusalError struct {
	Message string
}

func (e *RefusalError) Error() string { return "template refused the conversation: " + e.Message }

// UnsupportedError is a template construct the renderer lacks (a filter,
// test or method), with the template's line where it first appears, so a
// template is never rendered partially.
type UnsupportedError struct {
	Template  string
	Construct string
	Line      int
}

func (e *UnsupportedError) Error() string {
	loc := e.Template
	if e.Line > 0 {
		loc = fmt.Sprintf("%s line %d", e.Template, e.Line)
	}
	return fmt.Sprintf("chat template %s uses %s, which the Jinja renderer (github.com/ardanlabs/jinja) cannot render; use another template (--chat-template FILE)", loc, e.Construct)
}
