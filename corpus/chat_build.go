package corpus

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/calibkit/calibkit/chat"
	"github.com/calibkit/calibkit/internal/manifest"
)

// chatBatch is a run of consecutive records travelling through the
// pipeline.
type chatBatch struct {
	items []chatItem
	out   []chatDoc
}

// chatItem is one record: decoded already (parquet) or a JSONL line for a
// worker to decode.
type chatItem struct {
	rec  chat.Record
	raw  chat.RawRecord
	dec  *chat.JSONLReader // set when raw is to be decoded
	path string
	unit string // "line" or "row"
}

func (it *chatItem) where(line int64) string { return fmt.Sprintf("%s %s %d", it.path, it.unit, line) }

const chatBatchRecords = 256

// TemplateSHA256 returns the hex sha256 of a template's source, for the
// manifest.
func TemplateSHA256(src string) string {
	h := sha256.Sum256([]byte(src))
	return hex.EncodeToString(h[:])
}

// BuildChat renders the conversation records of the inputs with
// opts.Template into output (.txt or .jsonl), written atomically, and
// writes output's manifest, which says the text is chat-formatted and
// carries special tokens. On any error no file appears under the output
// name.
func BuildChat(ctx context.Context, inputs []string, output string, command []string, opts ChatOptions) (*ChatStats, error) {
	var st *ChatStats
	process := func(w io.Writer, format OutputFormat) (err error) {
		st, err = ProcessChat(ctx, inputs, w, format, opts)
		return err
	}
	describe := func(m *manifest.Manifest, format OutputFormat) {
		m.Parameters = map[string]any{
			"unit":                  "conversations",
			"chat_template":         opts.TemplateName,
			"chat_template_sha256":  opts.TemplateSHA256,
			"chat_column":           opts.Column,
			"id_column":             opts.IDColumn,
			"bos_token":             opts.BOS,
			"eos_token":             opts.EOS,
			"chat_date":             opts.Date,
			"add_generation_prompt": false,
			"nfkc":                  opts.Normalize.NFKC,
			"newlines":              opts.Normalize.Newlines,
			"strip_controls":        opts.Normalize.StripControls,
			"collapse_spaces":       opts.Normalize.CollapseSpaces,
			"dedup":                 opts.Dedup,
			"output_format":         format.String(),
		}
		m.Counts = map[string]any{
			"conversations": st.ConversationsWritten,
			"bytes":         st.Bytes,
			"characters":    st.Characters,
		}
		m.Extra = map[string]any{
			"records_read":  st.RecordsRead,
			"duplicates":    st.Duplicates,
			"skipped":       st.Skipped,
			"skip_examples": st.SkipExamples,
		}
		m.MarkChatFormatted()
	}
	if err := buildOutput(ctx, inputs, output, command, process, describe); err != nil {
		return nil, err
	}
	return st, nil
}

// ProcessChat reads the inputs' records in order, renders them on
// opts.Workers goroutines and writes the conversations to w in input
// order, de-duplicated per conversation, so the output is the same for
// any number of workers. A template's refusal skips the record and is
// counted by reason; any other rendering failure stops the build. It fails
// when no conversation is left.
func ProcessChat(ctx context.Context, inputs []string, w io.Writer, format OutputFormat, opts ChatOptions) (*ChatStats, error) {
	if opts.Template == nil {
		return nil, errors.New("no chat template")
	}
	if len(inputs) == 0 {
		return nil, errors.New("no input files")
	}
	workers := max(opts.Workers, 1)
	st := &ChatStats{Inputs: len(inputs)}
	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<20)
	var seen *hashSet
	if opts.Dedup {
		seen = newHashSet()
		defer seen.free()
	}
	var buf []byte
	err := runOrdered(ctx, workers,
		func(_ context.Context, send func(*chatBatch) error) error {
			return readChatInputs(inputs, &opts, send)
		},
		func() func(*chatBatch) error {
			n := &normalizer{opts: opts.Normalize}
			return func(b *chatBatch) error {
				b.out = make([]chatDoc, len(b.items))
				for i := range b.items {
					it := &b.items[i]
					rec := it.rec
					if it.dec != nil {
						var err error
						if rec, err = it.dec.Decode(it.raw); err != nil {
							return err
						}
					}
					d, err := renderChat(n, opts.Template, rec, it)
					if err != nil {
						return err
					}
					b.out[i] = d
				}
				b.items = nil
				return nil
			}
		},
		func(b *chatBatch) error {
			for i := range b.out {
				d := &b.out[i]
				st.RecordsRead++
				st.MessageBytes += d.msgBytes
				st.ControlsRemoved += d.controls
				st.InvalidUTF8 += d.invalidUTF
				if d.skip != "" {
					st.skip(d.skip, d.where)
					continue
				}
				if seen != nil && !seen.add(hash64(d.text)) {
					st.Duplicates++
					continue
				}
				var err error
				if buf, err = writeChat(bw, format, d, buf); err != nil {
					return fmt.Errorf("write output: %w", err)
				}
				st.ConversationsWritten++
				if format == OutputText && strings.Contains(d.text, "\n\n") {
					st.BlankLineConversations++
				}
				st.Characters += int64(utf8.RuneCountInString(d.text))
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("write output: %w", err)
	}
	st.Bytes = cw.n
	if st.RecordsRead == 0 {
		return nil, fmt.Errorf("no conversation records in %s: the input is empty", strings.Join(inputs, ", "))
	}
	if st.ConversationsWritten == 0 {
		return nil, fmt.Errorf("no conversation left: all %d records read were skipped (%s)", st.RecordsRead, describeSkips(st))
	}
	return st, nil
}

// describeSkips says how many records each reason skipped and where the
// first was, most frequent first.
func describeSkips(st *ChatStats) string {
	var parts []string
	for _, r := range st.SkipReasons() {
		parts = append(parts, fmt.Sprintf("%d: %s (first at %s)", st.Skipped[r], r, st.SkipExamples[r]))
	}
	if st.Duplicates > 0 {
		parts = append(parts, fmt.Sprintf("%d duplicates", st.Duplicates))
	}
	return strings.Join(parts, "; ")
}

// DescribeSkips is describeSkips for the command's summary.
func (s *ChatStats) DescribeSkips() string { return describeSkips(s) }

// readChatInputs reads the inputs in order and sends their records in
// batches.
func readChatInputs(inputs []string, opts *ChatOptions, sendBatch func(*chatBatch) error) error {
	cur := &chatBatch{}
	send := func() error {
		if err := sendBatch(cur); err != nil {
			return err
		}
		cur = &chatBatch{}
		return nil
	}
	for _, path := range inputs {
		r, closer, err := openChat(path, opts)
		if err != nil {
			return err
		}
		unit := "line"
		if FormatOf(path) == FormatParquet {
			unit = "row"
		}
		jr, _ := r.(*chat.JSONLReader)
		for {
			it := chatItem{path: path, unit: unit}
			var err error
			if jr != nil {
				it.raw, err = jr.NextRaw()
				it.dec = jr
			} else {
				it.rec, err = r.Next()
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				closer()
				return err
			}
			cur.items = append(cur.items, it)
			if len(cur.items) >= chatBatchRecords {
				if err := send(); err != nil {
					closer()
					return err
				}
			}
		}
		if err := closer(); err != nil {
			return fmt.Errorf("close input %s: %w", path, err)
		}
	}
	if len(cur.items) > 0 {
		return send()
	}
	return nil
}
