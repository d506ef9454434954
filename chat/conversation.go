package chat

// Message is one turn of a conversation: a role (system, user, assistant,
// tool, or whatever the dataset names) and its text.
type Message struct {
	Role    string
	Content string
}

// Conversation is the unit of chat-formatted calibration text: an optional
// id from the record, where it came from, and its turns in order.
type Conversation struct {
	ID       string
	Source   string
	Messages []Message
}

// Bytes reports the size of the conversation's message text (roles and
// contents), the figure that rendering speed is measured against.
func (c Conversation) Bytes() int {
	n := 0
	for _, m := range c.Messages {
		n += len(m.Role) + len(m.Content)
	}
	return n
}

// shareGPTRoles maps ShareGPT "from" values to the roles chat templates
// expect; values not listed are passed through unchanged, so a template
// that knows no such role can refuse the conversation.
var shareGPTRoles = map[string]string{
	"human":       "user",
	"user":        "user",
	"gpt":         "assistant",
	"assistant":   "assistant",
	"chatgpt":     "assistant",
	"bing":        "assistant",
	"bard":        "assistant",
	"model":       "assistant",
	"system":      "system",
	"tool":        "tool",
	"function":    "tool",
	"observation": "tool",
}

// ShareGPTRole returns the chat-template role for a ShareGPT "from" value.
func ShareGPTRole(from string) string {
	if r, ok := shareGPTRoles[from]; ok {
		return r
	}
	return from
}
