package langs

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// Segmenter is how a language's sentences are cut.
type Segmenter int

// The segmenters.
const (
	// SegmentKagome is the Japanese splitter of package tokenize (kagome's
	// sentence rules with bracket, quote and particle repairs).
	SegmentKagome Segmenter = iota
	// SegmentChinese is the same rule splitter for text without spaces:
	// 。！？ and the full-width punctuation end a sentence, closing quotes
	// and brackets stay with it.
	SegmentChinese
	// SegmentUAX29 is Unicode sentence boundaries (UAX #29) with the
	// language's abbreviations and ordinal numbers repaired.
	SegmentUAX29
	// SegmentParagraphs keeps each paragraph whole: the script has no
	// sentence punctuation to cut at (Thai, Lao).
	SegmentParagraphs
)

func (s Segmenter) String() string {
	switch s {
	case SegmentKagome:
		return "kagome"
	case SegmentChinese:
		return "chinese-rules"
	case SegmentUAX29:
		return "uax29"
	case SegmentParagraphs:
		return "paragraphs"
	}
	return fmt.Sprintf("Segmenter(%d)", int(s))
}

// Language is one supported Wikipedia language.
type Language struct {
	// Code is the Wikipedia code (the NN of wikimedia/wikipedia 20231101.NN).
	Code string
	// Name is the English name.
	Name string
	// Script is the script a line of the language is mostly written in; for
	// Japanese the share also counts kana, for Chinese only Han.
	Script *unicode.RangeTable
	// ScriptName names Script in manifests and docs.
	ScriptName string
	// Segmenter cuts its sentences.
	Segmenter Segmenter
	// Identify is the ISO 639-3 code of the language in the identifier
	// (github.com/abadojack/whatlanggo) for languages written in the Latin
	// script, "" when the identifier does not know the language or the
	// script alone tells the language apart.
	Identify string
	// Share is the default minimum share of Script among a line's letters.
	Share float64
	// Exclude lists scripts that mark a line as another language when a
	// tenth or more of its letters are in them (kana in a Chinese line:
	// Japanese, whose kanji would pass the Han share).
	Exclude []*unicode.RangeTable
	// Trailing lists the end-matter headings of the language's Wikipedia.
	Trailing []string
}

// table holds every supported language, keyed by code.
var table = func() map[string]*Language {
	m := make(map[string]*Language, len(list))
	for i := range list {
		l := &list[i]
		l.Trailing = trailing[l.Code]
		if l.Share == 0 {
			l.Share = 0.5
		}
		m[l.Code] = l
	}
	return m
}()

// Lookup returns the language of code, or an error that lists the
// supported codes.
func Lookup(code string) (*Language, error) {
	if l, ok := table[code]; ok {
		return l, nil
	}
	return nil, fmt.Errorf("unsupported language %q: supported are %s", code, strings.Join(Codes(), ", "))
}

// Codes returns the supported codes, sorted.
func Codes() []string {
	out := make([]string, 0, len(table))
	for c := range table {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// All returns the supported languages, sorted by code.
func All() []*Language {
	out := make([]*Language, 0, len(table))
	for _, c := range Codes() {
		out = append(out, table[c])
	}
	return out
}
