package mix

import (
	"fmt"
	"os"

	"github.com/calibkit/calibkit/tokenize"
)

// PerplexityChunk is llama-perplexity's default context (-c 512): a file of
// n tokens gives n / 512 chunks.
const PerplexityChunk = 512

// TextCounts are the sizes a manifest reports for a text file.
type TextCounts struct {
	Bytes     int64 `json:"bytes"`
	Chars     int64 `json:"chars"`
	Lines     int64 `json:"lines"`
	Sentences int64 `json:"sentences"`
	// Tokens is the model's count for the whole text tokenized at once,
	// BOS included, as llama-perplexity tokenizes its file; -1 without a
	// model.
	Tokens int64 `json:"tokens"`
	// Chunks is Tokens / 512 (integer division), the number of chunks
	// llama-perplexity -c 512 scores; -1 without a model.
	Chunks int64 `json:"chunks_512"`
}

// Measure counts text: bytes, characters, lines, sentences (as sp cuts
// them) and, with a counter, tokens and 512-token chunks.
func Measure(text string, sp *tokenize.Splitter, tc TokenCounter) (TextCounts, error) {
	c := sp.Count(text)
	out := TextCounts{Bytes: c.Bytes, Chars: c.Chars, Lines: c.Lines, Sentences: c.Sentences, Tokens: -1, Chunks: -1}
	if tc != nil {
		n, err := tc.CountTokens(text)
		if err != nil {
			return out, fmt.Errorf("count tokens: %w", err)
		}
		out.Tokens = int64(n)
		out.Chunks = int64(n) / PerplexityChunk
	}
	return out, nil
}

// ReadTextFile reads a whole UTF-8 text file; a file that is not UTF-8 is
// an error naming the byte offset of the first bad sequence.
func ReadTextFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if bad := invalidUTF8Offset(b); bad >= 0 {
		return "", fmt.Errorf("%s is not UTF-8: invalid byte 0x%02x at byte offset %d: convert it to UTF-8 first", path, b[bad], bad)
	}
	return string(b), nil
}

// ReadLines reads a UTF-8 text file as lines without their "\n"; a file
// that is not UTF-8 is an error naming the byte offset of the first bad
// sequence.
func ReadLines(path string) ([]string, error) { return readLines(path) }
