package tokenize

import (
	"fmt"

	"github.com/calibkit/calibkit/langs"
)

// SentenceSplitter is what every splitter of this package does: cut text
// into sentences (substrings, whitespace between them dropped) and, as a
// LineFunc, write one line's sentences one per line.
type SentenceSplitter interface {
	AppendSentences(dst []string, text string) []string
	AppendSentenceLines(dst, line []byte) []byte
}

// SplitterFor returns the sentence splitter of a supported language code
// (see package langs): Splitter for Japanese and Chinese, UAXSplitter with
// the language's abbreviations for the others, ParagraphSplitter for
// scripts without sentence punctuation (Thai, Lao). An unknown code is an
// error that lists the supported ones.
func SplitterFor(code string) (SentenceSplitter, error) {
	l, err := langs.Lookup(code)
	if err != nil {
		return nil, err
	}
	switch l.Segmenter {
	case langs.SegmentKagome, langs.SegmentChinese:
		return NewSplitter()
	case langs.SegmentUAX29:
		return NewUAXSplitter(code), nil
	case langs.SegmentParagraphs:
		return ParagraphSplitter{}, nil
	}
	return nil, fmt.Errorf("language %s: unknown segmenter %v", code, l.Segmenter)
}

// ParagraphSplitter keeps every line whole as one "sentence", trimmed: the
// fallback for scripts that mark no sentence end (Thai, Lao).
type ParagraphSplitter struct{}

// AppendSentences appends the non-blank lines of text to dst, trimmed.
func (ParagraphSplitter) AppendSentences(dst []string, text string) []string {
	b := stringBytes(text)
	var buf [1]span
	for off := 0; off < len(b); {
		line := b[off:]
		next := len(b)
		for i, c := range line {
			if c == '\n' {
				line, next = line[:i], off+i+1
				break
			}
		}
		for _, sp := range appendTrimmed(buf[:0], line, 0, len(line), off) {
			dst = append(dst, text[sp.start:sp.end])
		}
		off = next
	}
	return dst
}

// AppendSentenceLines appends line, trimmed, and a '\n'. It is a LineFunc.
func (ParagraphSplitter) AppendSentenceLines(dst, line []byte) []byte {
	var buf [1]span
	return appendSpanLines(dst, line, appendTrimmed(buf[:0], line, 0, len(line), 0))
}
