package mix

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Unit is what a size is measured in.
type Unit int

// The units a target or a share can be given in.
const (
	Bytes  Unit = iota // UTF-8 bytes as written to the file
	Chars              // Unicode code points
	Tokens             // the model's tokens (needs a TokenCounter)
	// Conversations counts whole conversations of chat-formatted sources
	// (AsConversations); plain text has none, so a plain source in a size
	// measured in conversations is an error.
	Conversations
)

// String returns the unit's flag spelling.
func (u Unit) String() string {
	switch u {
	case Bytes:
		return "bytes"
	case Chars:
		return "chars"
	case Tokens:
		return "tokens"
	case Conversations:
		return "conversations"
	}
	return fmt.Sprintf("Unit(%d)", int(u))
}

// ParseUnit parses "bytes", "chars", "tokens" or "conversations".
func ParseUnit(s string) (Unit, error) {
	switch strings.ToLower(s) {
	case "bytes", "byte", "b":
		return Bytes, nil
	case "chars", "char", "characters":
		return Chars, nil
	case "tokens", "token":
		return Tokens, nil
	case "conversations", "conversation", "convs":
		return Conversations, nil
	}
	return 0, fmt.Errorf("unknown unit %q: want bytes, chars, tokens or conversations", s)
}

// TokenCounter counts a text's tokens with a model's own tokenizer, the way
// llama-perplexity tokenizes its input file: the whole text at once, with
// the model's special tokens (BOS) added. Package mix/llamacount provides
// one through the llama.cpp binding; mix itself stays pure Go.
type TokenCounter interface {
	CountTokens(text string) (int, error)
}

// ErrNoTokenCounter is returned when tokens are asked for without a counter.
var ErrNoTokenCounter = errors.New("token counts need the llama.cpp binding, not available in this build")

// SpecialTokenCounter is a TokenCounter that can also count a text with
// the text of its special tokens ("<start_of_turn>") parsed as those
// tokens, as llama-imatrix --parse-special tokenizes chat-formatted text.
type SpecialTokenCounter interface {
	TokenCounter
	CountTokensSpecial(text string) (int, error)
}

// WithSpecialTokens returns a counter whose CountTokens parses special
// tokens (tc's CountTokensSpecial); nil for nil. A counter that cannot is
// an error.
func WithSpecialTokens(tc TokenCounter) (TokenCounter, error) {
	switch c := tc.(type) {
	case nil:
		return nil, nil
	case specialCounter:
		return c, nil
	case SpecialTokenCounter:
		return specialCounter{c}, nil
	}
	return nil, errors.New("chat-formatted text is counted with its special tokens parsed, which this token counter cannot do")
}

// specialCounter counts with special tokens parsed.
type specialCounter struct{ c SpecialTokenCounter }

func (s specialCounter) CountTokens(text string) (int, error) { return s.c.CountTokensSpecial(text) }

// errPlainConversations is the measurer's answer to plain text measured
// in conversations; callers check their sources first and name them.
var errPlainConversations = errors.New("plain text has no conversations: --unit conversations needs chat-formatted sources")

// measurer prices text in one unit. For tokens, the price of a piece is its
// token count minus the count of the empty text, so the BOS that
// CountTokens adds to every call is not charged to every piece.
type measurer struct {
	unit    Unit
	counter TokenCounter
	special int // tokens CountTokens gives for the empty text
}

func newMeasurer(u Unit, tc TokenCounter) (*measurer, error) {
	m := &measurer{unit: u, counter: tc}
	switch u {
	case Bytes, Chars, Conversations:
	case Tokens:
		if tc == nil {
			return nil, ErrNoTokenCounter
		}
		n, err := tc.CountTokens("")
		if err != nil {
			return nil, fmt.Errorf("count tokens: %w", err)
		}
		m.special = n
	default:
		return nil, fmt.Errorf("unknown unit %v", u)
	}
	return m, nil
}

// cost returns the size of s in the measurer's unit, as a piece of a
// larger text.
func (m *measurer) cost(s string) (int64, error) {
	switch m.unit {
	case Bytes:
		return int64(len(s)), nil
	case Chars:
		return int64(utf8.RuneCountInString(s)), nil
	case Conversations:
		return 0, errPlainConversations
	}
	if s == "" {
		return 0, nil
	}
	n, err := m.counter.CountTokens(s)
	if err != nil {
		return 0, fmt.Errorf("count tokens: %w", err)
	}
	n -= m.special
	if n < 0 {
		n = 0
	}
	return int64(n), nil
}

// convCost returns the size of one whole conversation (as written, its
// blank line included): 1 in conversations, else its cost.
func (m *measurer) convCost(s string) (int64, error) {
	if m.unit == Conversations {
		return 1, nil
	}
	return m.cost(s)
}

// ParseSize parses a size given on the command line: a plain integer
// ("1290590"), or a number with a suffix: k/K/KB = 10^3, M/MB = 10^6,
// G/GB = 10^9, KiB = 2^10, MiB = 2^20, GiB = 2^30 ("1.5MB", "4k",
// "1.5MiB"). Fractions are rounded to the nearest integer. The result must
// be positive.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.' || t[i] == '_') {
		i++
	}
	num, suffix := strings.ReplaceAll(t[:i], "_", ""), strings.TrimSpace(t[i:])
	if num == "" {
		return 0, fmt.Errorf("invalid size %q: want a number such as 1290590, 1.5MB or 4KiB", s)
	}
	var mult float64
	switch strings.ToLower(suffix) {
	case "", "b":
		mult = 1
	case "k", "kb":
		mult = 1e3
	case "m", "mb":
		mult = 1e6
	case "g", "gb":
		mult = 1e9
	case "ki", "kib":
		mult = 1 << 10
	case "mi", "mib":
		mult = 1 << 20
	case "gi", "gib":
		mult = 1 << 30
	default:
		return 0, fmt.Errorf("invalid size %q: unknown suffix %q (use k, M, G for powers of 1000, KiB, MiB, GiB for powers of 1024)", s, suffix)
	}
	if mult == 1 && !strings.Contains(num, ".") {
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid size %q: %w", s, err)
		}
		if n <= 0 {
			return 0, fmt.Errorf("invalid size %q: must be positive", s)
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid size %q: %w", s, err)
	}
	v := math.Round(f * mult)
	if v <= 0 || v > math.MaxInt64/2 {
		return 0, fmt.Errorf("invalid size %q: must be positive and below 4 EiB", s)
	}
	return int64(v), nil
}
