package corpuscmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/chat"
	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/corpus"
)

// ChatFlags are the flags of `corpus build` for conversation records.
type ChatFlags struct {
	// Template is a Jinja file or a built-in name; From a GGUF model whose
	// tokenizer.chat_template is used. One of them turns chat mode on.
	Template string
	From     string
	// Column names the turns ("" for messages, then conversations).
	Column string
	// BOS and EOS override the bos_token and eos_token the template sees
	// (a model's own by default).
	BOS, EOS string
	// Date is what strftime_now prints (YYYY-MM-DD, default today, UTC).
	Date string
}

// chatOn reports whether the build renders conversations.
func (c *ChatFlags) chatOn() bool { return c.Template != "" || c.From != "" }

func addChatFlags(cmd *cobra.Command, c *ChatFlags) {
	f := cmd.Flags()
	f.StringVar(&c.Template, "chat-template", "", "render conversation records with this chat template: a Jinja file or a built-in name ("+strings.Join(chat.BuiltinNames(), ", ")+")")
	f.StringVar(&c.From, "chat-template-from", "", "render conversation records with this GGUF model's tokenizer.chat_template (and its BOS/EOS tokens)")
	f.StringVar(&c.Column, "chat-column", "", `column / key holding the turns: a list of {role, content} or of ShareGPT {from, value} (default "messages", then "conversations")`)
	f.StringVar(&c.BOS, "chat-bos", "", "bos_token text given to the chat template (default: the model's, with --chat-template-from)")
	f.StringVar(&c.EOS, "chat-eos", "", "eos_token text given to the chat template (default: the model's, with --chat-template-from)")
	f.StringVar(&c.Date, "chat-date", "", "the date strftime_now gives templates that print one, YYYY-MM-DD (default: today, UTC; recorded in the manifest)")
}

// checkChatFlags refuses the plain-text flags that mean nothing for
// conversations, and turns off the normalization steps that would rewrite
// a conversation's layout unless they were asked for.
func checkChatFlags(cmd *cobra.Command, opts *BuildOptions) error {
	c := &opts.Chat
	if c.Template != "" && c.From != "" {
		return cmdutil.FlagErrorf("give --chat-template or --chat-template-from, not both")
	}
	if !c.chatOn() {
		for _, name := range []string{"chat-column", "chat-bos", "chat-eos", "chat-date"} {
			if cmd.Flags().Changed(name) {
				return cmdutil.FlagErrorf("--%s needs --chat-template or --chat-template-from", name)
			}
		}
		return nil
	}
	for _, name := range []string{"segment", "lang", "lang-share", "ja-share", "min-chars", "max-chars", "text-column", "title-column", "url-column", "trailing-sections", "add-trailing-sections"} {
		if cmd.Flags().Changed(name) {
			return cmdutil.FlagErrorf("--%s does not apply to conversations (--chat-template*): a conversation is kept whole", name)
		}
	}
	if c.Date != "" {
		if _, err := time.Parse(time.DateOnly, c.Date); err != nil {
			return cmdutil.FlagErrorf("--chat-date %q: give YYYY-MM-DD", c.Date)
		}
	}
	n := &opts.Corpus.Normalize
	if !cmd.Flags().Changed("nfkc") {
		n.NFKC = false
	}
	if !cmd.Flags().Changed("collapse-spaces") {
		n.CollapseSpaces = false
	}
	return nil
}

// chatTemplate loads and compiles the template the flags name.
func chatTemplate(c *ChatFlags, date time.Time) (corpus.ChatOptions, error) {
	var co corpus.ChatOptions
	var err error
	if c.From != "" {
		co, err = corpus.ModelChatOptions(c.From, c.BOS, c.EOS, date)
	} else {
		src, _, lerr := chat.LoadTemplate(c.Template)
		if lerr != nil {
			return corpus.ChatOptions{}, lerr
		}
		co, err = corpus.TemplateChatOptions(c.Template, src, c.BOS, c.EOS, date)
	}
	if err != nil {
		return corpus.ChatOptions{}, err
	}
	co.Column = c.Column
	return co, nil
}

// ChatSummary is what --json prints for a chat-formatted build.
type ChatSummary struct {
	Output   string            `json:"output"`
	Manifest string            `json:"manifest"`
	Inputs   []string          `json:"inputs"`
	Stats    *corpus.ChatStats `json:"stats"`
	Seconds  float64           `json:"seconds"`
}

func buildChatRun(ctx context.Context, opts *BuildOptions) error {
	date := time.Now().UTC()
	if opts.Chat.Date != "" {
		date, _ = time.Parse(time.DateOnly, opts.Chat.Date)
	}
	date = time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, time.UTC)
	co, err := chatTemplate(&opts.Chat, date)
	if err != nil {
		return err
	}
	co.IDColumn = opts.Corpus.Reader.IDColumn
	co.Normalize = opts.Corpus.Normalize
	co.Dedup = opts.Corpus.Dedup
	co.Workers = opts.Corpus.Workers
	inputs, err := buildInputs(ctx, opts)
	if err != nil {
		return err
	}
	start := time.Now()
	st, err := corpus.BuildChat(ctx, inputs, opts.Output, opts.Command, co)
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: %s was not written: %w", opts.Output, err)
	}
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	if !opts.IO.Quiet {
		fmt.Fprintf(opts.IO.ErrOut, "%s: wrote %d conversations, %d characters (%s) rendered with %s; read %d records at %.1f MB/s of message text\n",
			opts.Output, st.ConversationsWritten, st.Characters, humanBytes(st.Bytes), co.TemplateName, st.RecordsRead,
			float64(st.MessageBytes)/1e6/max(secs, 1e-9))
		if len(st.Skipped) > 0 || st.Duplicates > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "skipped: %s\n", st.DescribeSkips())
		}
		if n := st.BlankLineConversations; n > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "note: %d of the conversations hold blank lines of their own, so this .txt does not say where each one ends: "+
				"imatrix reads it as it is, but mix, sweep and eval build refuse it; write %s.jsonl to use it there\n",
				n, strings.TrimSuffix(opts.Output, filepath.Ext(opts.Output)))
		}
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(ChatSummary{Output: opts.Output, Manifest: opts.Output + ".manifest.json", Inputs: inputs, Stats: st, Seconds: secs})
	}
	return nil
}
