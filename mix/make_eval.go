package mix

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/tokenize"
)

// MakeEvalOptions describe one eval set: what `calibkit eval build` writes.
type MakeEvalOptions struct {
	From string // corpus (.jsonl or .txt)
	// Sources, instead of From, draws from several corpora, each language
	// Shares[name] of the target (the shares sum to 1; bytes or chars).
	Sources []Source
	Shares  map[string]float64
	Like    string // match this file's size in Unit ("" : Target)
	Target  int64
	Unit    Unit
	// Counter counts model tokens (nil: none); Model names its model.
	Counter TokenCounter
	Model   string
	Output  string
	Format  Format
	Seed    uint64
	// Exclude lists eval-set manifests whose articles must not be used.
	Exclude []string
	Command []string
}

// MakeEvalResult is what MakeEval made.
type MakeEvalResult struct {
	Output string
	Target int64 // in Unit, from Like when given
	Eval   *EvalResult
	Counts TextCounts
	Like   *TextCounts
	// Parts reports each language of an eval set drawn from Sources.
	Parts []EvalPart
	// MaxPrefixError is EvalLanguagesResult's, for Sources.
	MaxPrefixError float64
}

// MakeEval cuts an eval set of the asked size and writes it atomically to
// opts.Output with its manifest.
func MakeEval(ctx context.Context, opts MakeEvalOptions) (*MakeEvalResult, error) {
	counter := opts.Counter
	sp, err := tokenize.NewSplitter()
	if err != nil {
		return nil, err
	}
	var like *TextCounts
	if opts.Like != "" {
		text, err := ReadTextFile(opts.Like)
		if err != nil {
			return nil, err
		}
		mark, err := ReadChatMark(opts.Like)
		if err != nil {
			return nil, fmt.Errorf("--like %s: %w", opts.Like, err)
		}
		likeCounter := counter
		if mark.Chat {
			if likeCounter, err = WithSpecialTokens(counter); err != nil {
				return nil, err
			}
		}
		c, err := Measure(text, sp, likeCounter)
		if err != nil {
			return nil, fmt.Errorf("measure %s: %w", opts.Like, err)
		}
		like = &c
		switch opts.Unit {
		case Bytes:
			opts.Target = c.Bytes
		case Chars:
			opts.Target = c.Chars
		case Tokens:
			opts.Target = c.Tokens
		case Conversations:
			if !mark.Chat || mark.Conversations <= 0 {
				return nil, fmt.Errorf("--like %s is not chat-formatted text whose manifest counts its conversations: size the set with a number of conversations instead", opts.Like)
			}
			opts.Target = mark.Conversations
		}
		if opts.Target <= 0 {
			return nil, fmt.Errorf("--like %s is empty: nothing to match", opts.Like)
		}
	}
	if len(opts.Sources) > 0 {
		return makeEvalLanguages(ctx, opts, sp, like)
	}
	exclude, err := ReadExclude(opts.Exclude...)
	if err != nil {
		return nil, err
	}
	pool, err := OpenPool(ctx, opts.From)
	if err != nil {
		return nil, err
	}
	defer pool.Close()

	var buf bytes.Buffer
	res, err := BuildEval(ctx, pool, &buf, EvalOptions{
		Target: opts.Target, Unit: opts.Unit, Format: opts.Format, Seed: opts.Seed,
		Exclude: exclude, Counter: counter,
	})
	if err != nil {
		return nil, err
	}
	if pool.Chat() {
		// Counted as imatrix will tokenize it: special tokens parsed.
		if counter, err = WithSpecialTokens(counter); err != nil {
			return nil, err
		}
	}
	counts, err := Measure(buf.String(), sp, counter)
	if err != nil {
		return nil, fmt.Errorf("measure %s: %w", opts.Output, err)
	}

	m := manifest.New(opts.Output, opts.Command)
	for _, in := range append([]string{opts.From, opts.Like}, opts.Exclude...) {
		if in == "" {
			continue
		}
		if err := m.AddInput(in); err != nil {
			return nil, err
		}
	}
	fillEvalManifest(m, opts, counts, like, res)
	m.Parameters["from"] = opts.From
	if pool.Chat() {
		markEvalChat(m, res, []string{opts.From})
	}

	af, err := atomicfile.Create(opts.Output, atomicfile.RecordSHA256())
	if err != nil {
		return nil, err
	}
	defer af.Abort()
	if _, err := af.Write(buf.Bytes()); err != nil {
		return nil, fmt.Errorf("write %s: %w", opts.Output, err)
	}
	if err := af.Commit(); err != nil {
		return nil, err
	}
	if err := m.Write(); err != nil {
		os.Remove(opts.Output)
		return nil, err
	}
	return &MakeEvalResult{Output: opts.Output, Target: opts.Target, Eval: res, Counts: counts, Like: like}, nil
}

// countsMap turns counts into manifest counts, leaving out tokens and
// chunks when no model counted them.
// fillEvalManifest records what every eval-set manifest holds: the
// build's parameters (but "from", which one corpus and several name
// differently), the output's counts, and the target against what the build
// reached, with the articles it used and the --like file's counts.
func fillEvalManifest(m *manifest.Manifest, opts MakeEvalOptions, counts TextCounts, like *TextCounts, res *EvalResult) {
	m.Parameters["like"] = opts.Like
	m.Parameters["unit"] = opts.Unit.String()
	m.Parameters["target"] = opts.Target
	m.Parameters["format"] = opts.Format.String()
	m.Parameters["seed"] = opts.Seed
	m.Parameters["model"] = opts.Model
	m.Parameters["exclude"] = opts.Exclude
	m.Counts = countsMap(counts)
	m.Counts["articles"] = len(res.Articles)
	m.Counts["partial_articles"] = len(res.Partial)
	m.Counts["corpus_sentences"] = res.Sentences
	m.Extra = map[string]any{
		"target":           opts.Target,
		"achieved":         res.Achieved,
		"deviation":        res.Deviation,
		"unit":             opts.Unit.String(),
		"article_ids":      nonNil(res.Articles),
		"partial_articles": res.Partial,
	}
	if like != nil {
		m.Extra["like"] = countsMap(*like)
	}
}

func countsMap(c TextCounts) map[string]any {
	m := map[string]any{"bytes": c.Bytes, "chars": c.Chars, "lines": c.Lines, "sentences": c.Sentences}
	if c.Tokens >= 0 {
		m["tokens"] = c.Tokens
		m["chunks_512"] = c.Chunks
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// markEvalChat records in an eval set's manifest that its text holds
// chat-formatted conversations (sources names the chat corpora or
// languages), so that imatrix and the study tokenize its special tokens
// as special tokens; a set all of whose text is conversations has the
// layout "conversations".
func markEvalChat(m *manifest.Manifest, res *EvalResult, sources []string) {
	m.MarkChatFormatted()
	m.Extra["chat_sources"] = sources
	m.Counts["conversations"] = res.Conversations
	if res.Sentences == 0 {
		m.Parameters["format"] = "conversations"
	}
}
