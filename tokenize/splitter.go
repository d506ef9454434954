package tokenize

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/ikawaha/kagome/v2/filter"
)

// Splitter cuts text into sentences. It is safe for concurrent use.
//
// The rules, in order:
//   - A newline always ends a sentence; no sentence contains '\n'.
//   - Otherwise a sentence ends only after a delimiter (。！？!?. and the
//     like) together with the delimiters and followers (closing brackets and
//     quotes) right after it, so 「はい。」 stays whole. This first cut is
//     the one kagome's filter.SentenceSplitter makes when configured never
//     to drop whitespace and never to cut a long sentence (its MaxRuneLen
//     disabled); a byte-level scan finds the next delimiter and rune sets
//     take the followers, and tests hold the result to kagome's.
//   - A cut inside a bracket pair that closes on the same line is undone, so
//     「はい。そうです。」 and 東京（とうきょう。旧称）are not split.
//   - A cut after a closing bracket is undone when a particle or a word
//     that continues a sentence follows (「はい。」と彼は言った。 and
//     「なるほど。」だった。 are one sentence each).
//   - Adjacent quotes 「…」「…」 that start a sentence are cut apart when
//     either holds a delimiter or a comma: dialogue, whose lines often
//     close without 。 before 」.
//   - A cut after . ． ! or ? between Latin letters or digits is undone
//     (3.14, example.com, ３．１４, Yahoo!JAPAN), so is one after ! or ?
//     right after a Latin letter with no space next (Yahoo!ニュース), and
//     so is a cut after a period that ends an abbreviation or an initial
//     (Mr., J., U.S.) or a list number (1. 概要).
//
// Whitespace inside a sentence is kept byte for byte. Whitespace at a
// sentence's start and end (spaces, tabs, U+3000, a '\r' before the '\n')
// belongs to no sentence and is dropped, as are blank lines, so that
// concatenating the sentences with the dropped whitespace between them gives
// back the input exactly.
type Splitter struct {
	ks         filter.SentenceSplitter
	delims     *runeSet
	closers    *runeSet // closing brackets (paired ones)
	brackets   *runeSet // any paired opener or closer
	marks      *runeSet // delimiters and brackets: what a line is scanned for
	enders     *runeSet // delimiters and followers: what a cut takes after its delimiter
	openKind   map[rune]int
	closeKind  map[rune]int
	abbrev     map[string]struct{}
	continuers *runeSet // particles that continue a sentence after a closing bracket
}

// maxBracketPairs bounds the bracket kinds so that the matcher can count
// open brackets per kind in a fixed array.
const maxBracketPairs = 64

// NewSplitter returns a Splitter configured by opts on top of the defaults.
func NewSplitter(opts ...SplitterOption) (*Splitter, error) {
	c := defaultSplitterConfig()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&c); err != nil {
			return nil, fmt.Errorf("new sentence splitter: %w", err)
		}
	}
	if len(c.brackets) > maxBracketPairs {
		return nil, fmt.Errorf("new sentence splitter: %d bracket pairs, at most %d supported", len(c.brackets), maxBracketPairs)
	}
	s := &Splitter{
		ks: filter.SentenceSplitter{
			Delim:    c.delims,
			Follower: c.followers,
			// Keep every byte: the default drops whitespace (and moves bytes
			// inside the buffer to do so).
			SkipWhiteSpace: false,
			// Lines are split before kagome sees them.
			DoubleLineFeedSplit: false,
			// Never cut a sentence for its length: the default (128 runes)
			// cuts in the middle of words.
			MaxRuneLen: math.MaxInt,
		},
		delims:     newRuneSet(c.delims...),
		closers:    newRuneSet(),
		brackets:   newRuneSet(),
		marks:      newRuneSet(c.delims...),
		enders:     newRuneSet(append(append([]rune(nil), c.delims...), c.followers...)...),
		openKind:   make(map[rune]int, len(c.brackets)),
		closeKind:  make(map[rune]int, len(c.brackets)),
		abbrev:     make(map[string]struct{}, len(c.abbreviations)),
		continuers: newRuneSet(continuationParticles...),
	}
	for k, p := range c.brackets {
		if _, dup := s.openKind[p[0]]; dup {
			return nil, fmt.Errorf("new sentence splitter: opener %q in two bracket pairs", p[0])
		}
		if _, dup := s.closeKind[p[1]]; dup {
			return nil, fmt.Errorf("new sentence splitter: closer %q in two bracket pairs", p[1])
		}
		s.openKind[p[0]] = k
		s.closeKind[p[1]] = k
		s.brackets.add(p[0])
		s.brackets.add(p[1])
		s.marks.add(p[0])
		s.marks.add(p[1])
		s.closers.add(p[1])
	}
	for _, p := range c.brackets {
		if _, both := s.closeKind[p[0]]; both && p[0] != p[1] {
			return nil, fmt.Errorf("new sentence splitter: %q is both an opener and a closer", p[0])
		}
		if s.delims.has(p[0]) || s.delims.has(p[1]) {
			return nil, fmt.Errorf("new sentence splitter: bracket pair %q%q overlaps the delimiters", p[0], p[1])
		}
	}
	for _, w := range c.abbreviations {
		s.abbrev[w] = struct{}{}
	}
	return s, nil
}

// Sentences returns the sentences of text, in order, as substrings of text
// (nothing is copied). Empty or blank text gives no sentences.
func (s *Splitter) Sentences(text string) []string {
	return s.AppendSentences(nil, text)
}

// AppendSentences appends the sentences of text to dst and returns the
// extended slice, like Sentences but reusing dst's storage.
func (s *Splitter) AppendSentences(dst []string, text string) []string {
	// kagome's splitter reads its input as []byte. With SkipWhiteSpace off
	// it never writes to it (TestKagomeDoesNotWrite holds it to that), so
	// the string's bytes are shared rather than copied.
	b := stringBytes(text)
	var buf [32]span
	for off := 0; off < len(b); {
		line := b[off:]
		next := len(b)
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line = line[:i]
			next = off + i + 1
		}
		spans := s.appendLine(buf[:0], line, off)
		for _, sp := range spans {
			dst = append(dst, text[sp.start:sp.end])
		}
		off = next
	}
	return dst
}

// SplitFunc returns a bufio.SplitFunc whose tokens are the sentences that
// Sentences would return. It buffers one whole line before returning that
// line's first sentence, so a Scanner needs a buffer as large as the
// longest line (see bufio.Scanner.Buffer). The function keeps the current
// line's cuts between calls: give each Scanner its own SplitFunc().
func (s *Splitter) SplitFunc() bufio.SplitFunc {
	var (
		pending  []span // the current line's sentences, offsets from the line start
		next     int    // index of the next sentence to return
		consumed int    // bytes of the current line already advanced past
		lineLen  int    // length of the current line with its '\n'
	)
	return func(data []byte, atEOF bool) (int, []byte, error) {
		// Blank lines are skipped inside this call: a Scanner stops at EOF
		// on the first call that returns no token.
		skip := 0
		for {
			if next < len(pending) {
				sp := pending[next]
				next++
				adv := sp.end - consumed
				if next == len(pending) {
					adv = lineLen - consumed // the last one takes the line end with it
				}
				tok := data[skip+sp.start-consumed : skip+sp.end-consumed]
				consumed += adv
				return skip + adv, tok, nil
			}
			rest := data[skip:]
			if len(rest) == 0 {
				return skip, nil, nil
			}
			line, n := rest, len(rest)
			if i := bytes.IndexByte(rest, '\n'); i >= 0 {
				line, n = rest[:i], i+1
			} else if !atEOF {
				return skip, nil, nil // need the whole line
			}
			pending, next, consumed, lineLen = s.appendLine(pending[:0], line, 0), 0, 0, n
			if len(pending) == 0 {
				skip += n // blank line
			}
		}
	}
}

// mark is a delimiter or bracket found in a line.
type mark struct {
	pos  int32
	size int32
	r    rune
}

// appendLine appends the sentence spans of one line (no '\n' in it) to dst,
// with offsets shifted by off.
func (s *Splitter) appendLine(dst []span, line []byte, off int) []span {
	// One scan finds every delimiter and bracket; kagome would look at the
	// line rune by rune.
	var markBuf [64]mark
	marks := markBuf[:0]
	for from := 0; ; {
		i, r, size := s.marks.index(line, from)
		if i < 0 {
			break
		}
		marks = append(marks, mark{int32(i), int32(size), r})
		from = i + size
	}
	if len(marks) == 0 {
		return appendTrimmed(dst, line, 0, len(line), off)
	}
	var ivBuf [8]span
	iv := s.matchBrackets(marks, ivBuf[:0])
	var dcBuf [8]dialogueCut
	dc := s.dialogueCuts(line, marks, iv, dcBuf[:0])
	segStart, k := 0, 0
	for mi, pos := 0, 0; pos < len(line); {
		// The next delimiter at or after pos; kagome makes the cut from it
		// (the delimiter, then further delimiters and followers).
		for mi < len(marks) && (int(marks[mi].pos) < pos || !s.delims.has(marks[mi].r)) {
			mi++
		}
		if mi == len(marks) {
			break
		}
		pos = s.cutAfter(line, int(marks[mi].pos))
		if pos >= len(line) {
			break
		}
		// Inside a bracket pair closed later on this line?
		for k < len(iv) && iv[k].end <= pos {
			k++
		}
		if k < len(iv) && iv[k].start < pos {
			continue
		}
		if s.continues(line, pos) || listNumber(line, segStart, pos) {
			continue
		}
		dst = appendDialogue(dst, line, segStart, pos, off, dc)
		segStart = pos
	}
	return appendDialogue(dst, line, segStart, len(line), off, dc)
}

// cutAfter returns where kagome's ScanSentences, given line[d:] (which
// starts with a delimiter), ends the sentence: after the delimiter and the
// delimiters and followers right after it. With whitespace kept and no
// length limit that is all ScanSentences does; doing it here with a rune
// set rather than through kagome's linear searches of both lists per rune
// took a quarter off the splitter's time. TestCutAfterMatchesKagome holds it
// to kagome's result.
func (s *Splitter) cutAfter(line []byte, d int) int {
	_, size := utf8.DecodeRune(line[d:])
	p := d + size
	for p < len(line) {
		c := line[p]
		if c < utf8.RuneSelf {
			if !s.enders.has(rune(c)) {
				break
			}
			p++
			continue
		}
		r, size := utf8.DecodeRune(line[p:])
		if !s.enders.has(r) {
			break
		}
		p += size
	}
	return p
}
