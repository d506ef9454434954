package tokenize

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SplitterOption configures a Splitter; it fails on a value that would make
// the splitter lose text or misbehave.
type SplitterOption func(*splitterConfig) error

// splitterConfig collects the options before NewSplitter builds its tables.
type splitterConfig struct {
	delims        []rune
	followers     []rune
	brackets      [][2]rune
	abbreviations []string
}

// Default sets. NFKC folds ！？． to !?. and ｡ to 。, so both widths are listed.
var (
	defaultDelimiters = []rune{'。', '｡', '．', '！', '？', '!', '?', '.', '‼', '⁇', '⁈', '⁉'}
	defaultBrackets   = [][2]rune{
		{'「', '」'}, {'『', '』'}, {'（', '）'}, {'(', ')'}, {'［', '］'}, {'[', ']'},
		{'｛', '｝'}, {'{', '}'}, {'〈', '〉'}, {'《', '》'}, {'【', '】'}, {'〔', '〕'},
		{'〖', '〗'}, {'〘', '〙'}, {'〚', '〛'}, {'｢', '｣'}, {'“', '”'}, {'‘', '’'},
		{'«', '»'}, {'‹', '›'}, {'〝', '〟'}, {'"', '"'},
	}
	// Closing quotes that are not paired (the apostrophe is too ambiguous,
	// 〞 closes 〝 besides 〟) still stay with the sentence they end.
	defaultExtraFollowers = []rune{'\'', '〞'}
	// English abbreviations after which a period does not end a sentence.
	// Single letters and dotted initials (J., U.S., e.g.) are recognised
	// without being listed.
	defaultAbbreviations = []string{
		"Mr", "Mrs", "Ms", "Dr", "Prof", "Sr", "Jr", "St", "Mt", "vs", "cf",
		"Fig", "Figs", "Vol", "Vols", "No", "Nos", "pp", "ca", "approx",
	}
)

func defaultSplitterConfig() splitterConfig {
	c := splitterConfig{
		delims:        append([]rune(nil), defaultDelimiters...),
		brackets:      append([][2]rune(nil), defaultBrackets...),
		abbreviations: append([]string(nil), defaultAbbreviations...),
	}
	for _, p := range c.brackets {
		c.followers = append(c.followers, p[1])
	}
	c.followers = append(c.followers, defaultExtraFollowers...)
	return c
}

// SplitterNop is an option that changes nothing, for conditional wiring.
func SplitterNop() SplitterOption {
	return func(*splitterConfig) error { return nil }
}

// Delimiters replaces the sentence-final punctuation set (default
// 。｡．！？!?.‼⁇⁈⁉). Whitespace cannot be a delimiter.
func Delimiters(rs ...rune) SplitterOption {
	return func(c *splitterConfig) error {
		if len(rs) == 0 {
			return errors.New("sentence delimiters: empty set")
		}
		for _, r := range rs {
			if err := checkPunct(r); err != nil {
				return fmt.Errorf("sentence delimiter %q: %w", r, err)
			}
		}
		c.delims = append([]rune(nil), rs...)
		return nil
	}
}

// Followers replaces the set of characters kept with the sentence they
// follow when they come right after its delimiter (default: every closing
// bracket and quote, plus " ' 〞). Whitespace cannot be a follower.
func Followers(rs ...rune) SplitterOption {
	return func(c *splitterConfig) error {
		for _, r := range rs {
			if err := checkPunct(r); err != nil {
				return fmt.Errorf("sentence follower %q: %w", r, err)
			}
		}
		c.followers = append([]rune(nil), rs...)
		return nil
	}
}

// BracketPairs replaces the bracket pairs inside which a delimiter does not
// end a sentence. Each pair is a two-character string, opener first, such as
// "「」" or "()"; a pair of one character twice, such as `""`, is a quote
// that opens and closes in turn. An opener that is never closed on its line
// is ignored.
func BracketPairs(pairs ...string) SplitterOption {
	return func(c *splitterConfig) error {
		bs := make([][2]rune, 0, len(pairs))
		for _, p := range pairs {
			if !utf8.ValidString(p) || utf8.RuneCountInString(p) != 2 {
				return fmt.Errorf("bracket pair %q: want exactly two characters, opener then closer", p)
			}
			open, n := utf8.DecodeRuneInString(p)
			closing, _ := utf8.DecodeRuneInString(p[n:])
			for _, r := range []rune{open, closing} {
				if err := checkPunct(r); err != nil {
					return fmt.Errorf("bracket pair %q: %w", p, err)
				}
			}
			bs = append(bs, [2]rune{open, closing})
		}
		c.brackets = bs
		return nil
	}
}

// Abbreviations replaces the English words after which a period is not a
// sentence end (default Mr, Mrs, Dr, Prof, St, vs, cf, Fig, No, …; matched
// case-sensitively, without the period).
func Abbreviations(words ...string) SplitterOption {
	return func(c *splitterConfig) error {
		for _, w := range words {
			if w == "" || strings.IndexFunc(w, unicode.IsSpace) >= 0 {
				return fmt.Errorf("abbreviation %q: must be a non-empty word without spaces", w)
			}
		}
		c.abbreviations = append([]string(nil), words...)
		return nil
	}
}

func checkPunct(r rune) error {
	switch {
	case r == utf8.RuneError || !utf8.ValidRune(r):
		return errors.New("not a valid character")
	case unicode.IsSpace(r):
		return errors.New("whitespace is a boundary, not punctuation")
	}
	return nil
}
