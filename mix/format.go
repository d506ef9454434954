package mix

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Format is the layout an evaluation set is written in.
type Format int

const (
	// Wikitext writes the layout of wikitext-2's wiki.test.raw: each article
	// opens with a " \n" line, a " = Title = \n" heading and another " \n"
	// line, then one line per paragraph with a leading space and a trailing
	// " \n". Japanese sentences are joined without a space, as Japanese is
	// written; no extra spaces are put around punctuation.
	Wikitext Format = iota
	// Plain writes one paragraph per line and ends each article with a
	// blank line; no titles.
	Plain
)

// String returns the format's flag spelling.
func (f Format) String() string {
	if f == Plain {
		return "plain"
	}
	return "wikitext"
}

// ParseFormat parses "wikitext" or "plain".
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "wikitext", "wiki":
		return Wikitext, nil
	case "plain", "text":
		return Plain, nil
	}
	return 0, fmt.Errorf("unknown format %q: want wikitext or plain", s)
}

// header is the text that opens an article.
func (f Format) header(a *Article) string {
	if f == Plain {
		return ""
	}
	if a.Title == "" {
		return " \n"
	}
	return " \n = " + oneLine(a.Title) + " = \n \n"
}

// trailer is the text that closes an article.
func (f Format) trailer() string {
	if f == Plain {
		return "\n"
	}
	return ""
}

// paragraph renders one paragraph line.
func (f Format) paragraph(sentences []string) string {
	var b strings.Builder
	if f == Wikitext {
		b.WriteByte(' ')
	}
	b.WriteString(JoinSentences(sentences))
	if f == Wikitext {
		b.WriteByte(' ')
	}
	b.WriteByte('\n')
	return b.String()
}

// article renders a whole article.
func (f Format) article(a *Article) string {
	var b strings.Builder
	b.WriteString(f.header(a))
	for _, p := range a.Paragraphs {
		b.WriteString(f.paragraph(p))
	}
	b.WriteString(f.trailer())
	return b.String()
}

// JoinSentences joins a paragraph's sentences into one line: with no space
// after a sentence that ends in a character of a script written without
// spaces (Japanese, Chinese) and one space otherwise. Sentences are trimmed
// of surrounding spaces first.
func JoinSentences(sentences []string) string {
	var b strings.Builder
	for i, s := range sentences {
		s = strings.TrimSpace(s)
		if i > 0 && b.Len() > 0 && needsSpace(b.String()) {
			b.WriteByte(' ')
		}
		b.WriteString(oneLine(s))
	}
	return b.String()
}

// needsSpace reports whether text ending like s takes a space before the
// next sentence.
func needsSpace(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return !isSpacelessScript(r)
}

// isSpacelessScript reports whether r belongs to a script, or is
// punctuation of a script, that is written without spaces between words.
func isSpacelessScript(r rune) bool {
	return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) ||
		(r >= 0x3000 && r <= 0x303f) || // CJK symbols and punctuation 。、「」
		(r >= 0xff00 && r <= 0xffef) // full-width forms ！？（）
}

// oneLine replaces line breaks inside s by spaces, so a sentence never
// spans lines.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}
