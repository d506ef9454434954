package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/calibkit/calibkit/langs"
)

// CleanOptions configure the Wikipedia clean-up and the language filter.
type CleanOptions struct {
	// TrailingSections lists section headings (脚注, 参考文献, 外部リンク...)
	// at whose first occurrence as a line of its own an article is cut.
	// A heading line may be wrapped in wiki "==" marks. Empty: no cut.
	TrailingSections []string
	// EmptyBrackets removes bracket pairs left with nothing but spaces or
	// punctuation inside, such as （） or （、）, and the spaces before them;
	// first it drops the items that template removal emptied inside round
	// brackets: (とうきょうと、英: ) becomes (とうきょうと), (英語: ) goes.
	EmptyBrackets bool
	// Lang is a supported language code (see package langs): lines not in
	// the language are dropped. For "ja", lines whose share of Japanese
	// characters is under JapaneseShare (or ScriptShare when set); for the
	// others, lines whose share of the language's script is under
	// ScriptShare and, with LangID, Latin-script lines the identifier
	// names another language. "" keeps every line.
	Lang string
	// ScriptShare is the minimum share (0..1) of the language's script
	// among a line's letters; 0 means the language's default (0.3 for ja,
	// zh and ko, 0.5 for the others; langs.Language.Share).
	ScriptShare float64
	// LangID runs the language identifier (whatlanggo) on the Latin-script
	// lines of a language it knows that hold none of the language's
	// function words and at least LangIDMinWords words.
	LangID bool
	// LangIDMinWords is the fewest words a line needs before the
	// identifier may drop it.
	LangIDMinWords int
	// DropHeadings drops section headings and other lines that are not
	// prose: lines of at most HeadingMaxChars characters holding no
	// sentence punctuation (。．！？!?.、，,). Wikipedia dumps keep each
	// section heading (概要, 歴史, 生い立ち…) as a line of its own.
	DropHeadings bool
	// JapaneseShare is the minimum share (0..1) of Japanese characters
	// (hiragana, katakana, kanji, Japanese punctuation) among a line's
	// letters and Japanese punctuation, used with Lang "ja" when
	// ScriptShare is 0 (the flag --ja-share, an alias of --lang-share).
	JapaneseShare float64
}

// DefaultTrailingSections are the headings of the end matter of Japanese
// (and English) Wikipedia articles: notes, sources, references, see also,
// external links. TrailingSectionsFor gives those of other languages.
var DefaultTrailingSections = []string{
	"脚注", "注釈", "注", "出典", "脚注・出典", "出典・脚注", "注釈・出典", "出典・注釈",
	"脚注・注釈", "注釈・脚注", "参考文献", "参考資料", "参考", "参照", "文献", "関連文献",
	"関連書籍", "関連図書", "出典・参考文献", "脚注・参考文献", "注釈・参考文献",
	"関連項目", "外部リンク", "外部サイト", "外部リンク・参考文献",
	"See also", "Notes", "References", "External links", "Further reading", "Bibliography",
}

// DefaultCleanOptions cuts the default trailing sections, removes emptied
// brackets and drops heading lines; the language filter is off (JapaneseShare 0.3 once Lang is "ja").
func DefaultCleanOptions() CleanOptions {
	return CleanOptions{
		TrailingSections: append([]string(nil), DefaultTrailingSections...),
		EmptyBrackets:    true,
		DropHeadings:     true,
		JapaneseShare:    0.3,
		LangID:           true,
		LangIDMinWords:   DefaultLangIDMinWords,
	}
}

// headingSet matches trailing-section heading lines.
type headingSet struct {
	set    map[string]struct{}
	maxLen int
}

func newHeadingSet(headings []string, nfkc bool) *headingSet {
	h := &headingSet{set: map[string]struct{}{}}
	for _, s := range headings {
		if nfkc {
			s = norm.NFKC.String(s)
		}
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		// Also without format characters, as --strip-controls leaves the
		// text: یادداشت‌ها holds a zero-width non-joiner.
		for _, v := range []string{s, strings.Map(dropFormat, s)} {
			h.set[v] = struct{}{}
			h.maxLen = max(h.maxLen, len(v))
		}
	}
	return h
}

// dropFormat maps format characters (Cf) to -1, for strings.Map.
func dropFormat(r rune) rune {
	if unicode.Is(unicode.Cf, r) {
		return -1
	}
	return r
}

// match reports whether line is a heading of the set, alone on its line and
// possibly wrapped in "=" marks (== 脚注 ==).
func (h *headingSet) match(line string) bool {
	if len(h.set) == 0 || len(line) > h.maxLen+32 {
		return false
	}
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "=") {
		line = strings.TrimSpace(strings.Trim(line, "="))
	}
	_, ok := h.set[line]
	return ok
}

// isBracketFiller reports whether r may fill a bracket pair that the
// clean-up emptied: spaces and the separators left between removed items.
func isBracketFiller(r byte) bool {
	switch r {
	case ' ', '\t', ',', ';', ':', '/':
		return true
	}
	return false
}

// removeEmptyBrackets deletes "()" and "（）" pairs holding only spaces and
// separators (、，；：・ and their ASCII forms), together with the spaces
// before them, repeating until none is left so that nested ones go too. It
// returns the line and how many pairs it removed.
func removeEmptyBrackets(line string) (string, int) {
	if strings.IndexByte(line, '(') < 0 && !strings.Contains(line, "（") {
		return line, 0
	}
	removed := 0
	for {
		out, n := removeEmptyBracketsOnce(line)
		if n == 0 {
			return line, removed
		}
		removed += n
		line = out
	}
}

func removeEmptyBracketsOnce(s string) (string, int) {
	var b strings.Builder
	n := 0
	last := 0
	for i := 0; i < len(s); {
		open := 0
		switch {
		case s[i] == '(':
			open = 1
		case s[i] == 0xEF && strings.HasPrefix(s[i:], "（"):
			open = len("（")
		}
		if open == 0 {
			i++
			continue
		}
		j := i + open
		for j < len(s) {
			switch {
			case isBracketFiller(s[j]):
				j++
				continue
			case strings.HasPrefix(s[j:], "、"), strings.HasPrefix(s[j:], "，"),
				strings.HasPrefix(s[j:], "；"), strings.HasPrefix(s[j:], "："),
				strings.HasPrefix(s[j:], "・"), strings.HasPrefix(s[j:], "　"):
				j += 3
				continue
			}
			break
		}
		closeLen := 0
		switch {
		case j < len(s) && s[j] == ')':
			closeLen = 1
		case strings.HasPrefix(s[j:], "）"):
			closeLen = len("）")
		}
		if closeLen == 0 {
			i += open
			continue
		}
		start := i
		for start > last && (s[start-1] == ' ' || s[start-1] == '\t') {
			start--
		}
		if b.Cap() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:start])
		last = j + closeLen
		i = last
		n++
	}
	if n == 0 {
		return s, 0
	}
	b.WriteString(s[last:])
	return b.String(), n
}

// HeadingMaxChars is the longest line, in characters, that DropHeadings
// takes for a heading when it holds no sentence punctuation.
const HeadingMaxChars = 40

// headingPunct is the punctuation whose presence makes a line prose: the
// Japanese and ASCII marks, and the sentence ends and commas of the other
// scripts of package langs (Devanagari danda ।॥, Arabic ؟ ، ۔, Ethiopic ።,
// Myanmar ။, Khmer ។, the Greek question mark ; after NFKC).
const headingPunct = "。．！？!?.、，,।॥؟،۔።။។;"

// isHeading reports whether line (cleaned, not blank) looks like a section
// heading or a label rather than prose: short, with no sentence punctuation.
func isHeading(line string) bool {
	if len(line) > HeadingMaxChars*utf8.UTFMax {
		return false
	}
	return countRunes(line) <= HeadingMaxChars && !strings.ContainsAny(line, headingPunct)
}

// TrailingSectionsFor returns the trailing-section headings of a language's
// Wikipedia (DefaultTrailingSections for "" and "ja"), or an error for an
// unsupported code.
func TrailingSectionsFor(code string) ([]string, error) {
	if code == "" {
		return append([]string(nil), DefaultTrailingSections...), nil
	}
	l, err := langs.Lookup(code)
	if err != nil {
		return nil, err
	}
	return append([]string(nil), l.Trailing...), nil
}
