package tokenize

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strings"
	"unicode"
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

// continuationParticles follow a closing quote inside the same sentence:
// 「…。」と言った, 「…。」って, 「…。」の, 「…。」を, 「…。」が, …
var continuationParticles = []rune{'と', 'っ', 'の', 'を', 'に', 'が', 'は', 'で', 'や', 'へ', 'か'}

// continuationWords follow a closing bracket inside the same sentence
// (「なるほど。」だった, 「…。」など) but begin with a character that also
// begins sentences (だが, なお, まず, もし, ほら), so they are matched whole.
var continuationWords = [][]byte{
	[]byte("など"), []byte("なんて"), []byte("まで"), []byte("より"), []byte("だけ"),
	[]byte("ほど"), []byte("くらい"), []byte("ぐらい"), []byte("ばかり"), []byte("さえ"),
	[]byte("すら"), []byte("です"), []byte("だった"), []byte("だろう"), []byte("だと"),
}

// continuationWord reports whether rest, the text after a closing bracket,
// begins with a word that continues the sentence: one of continuationWords,
// or the copula だ ending the sentence (「…。」だ。).
func (s *Splitter) continuationWord(rest []byte) bool {
	for _, w := range continuationWords {
		if bytes.HasPrefix(rest, w) {
			return true
		}
	}
	if r, size := utf8.DecodeRune(rest); r == 'だ' {
		next, _ := utf8.DecodeRune(rest[size:])
		return size == len(rest) || s.delims.has(next)
	}
	return false
}

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

// span is a sentence's byte range [start, end) in the text being split.
type span struct{ start, end int }

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

// dialogueCut is the junction of two adjacent quotes of the same kind,
// 「…」「…」: the first one's start and end, and whether to cut there.
type dialogueCut struct {
	start, end int
	cut        bool
}

var (
	ideographicComma = []byte("、")
	fullwidthComma   = []byte("，")
)

// isDialogueOpener reports whether r opens the quotes of dialogue.
func isDialogueOpener(r rune) bool { return r == '「' || r == '『' }

// dialogueCuts appends to dc the junctions of outermost quotes 「…」 (or
// 『…』) followed at once by another of the same kind; a junction is cut
// when either of the two quotes holds a delimiter or a comma (、，): an
// utterance rather than an item of a list. Dialogue often closes a
// line without 。 before 」: 「…伺うんです」「そりゃごもっともだ。…」;
// without these cuts a page of it would be one sentence. Quotes without
// either (「東京」「大阪」など) are a list, not dialogue, and stay together.
func (s *Splitter) dialogueCuts(line []byte, marks []mark, iv []span, dc []dialogueCut) []dialogueCut {
	if len(iv) < 2 {
		return dc
	}
	mi := 0
	hasDelim := func(sp span) bool {
		for mi < len(marks) && int(marks[mi].pos) < sp.start {
			mi++
		}
		for j := mi; j < len(marks) && int(marks[j].pos) < sp.end; j++ {
			if s.delims.has(marks[j].r) {
				return true
			}
		}
		q := line[sp.start:sp.end]
		return bytes.Contains(q, ideographicComma) || bytes.Contains(q, fullwidthComma)
	}
	prevDelim := hasDelim(iv[0])
	for k := 0; k+1 < len(iv); k++ {
		a, b := iv[k], iv[k+1]
		nextDelim := hasDelim(b)
		if a.end == b.start {
			ra, _ := utf8.DecodeRune(line[a.start:])
			rb, _ := utf8.DecodeRune(line[b.start:])
			if isDialogueOpener(ra) && ra == rb {
				dc = append(dc, dialogueCut{a.start, a.end, prevDelim || nextDelim})
			}
		}
		prevDelim = nextDelim
	}
	return dc
}

// appendDialogue appends line[a:b] like appendTrimmed, but when the text
// starts with a run of adjacent quotes, cut first at the run's junctions
// that dc marks for cutting.
func appendDialogue(dst []span, line []byte, a, b, off int, dc []dialogueCut) []span {
	if len(dc) == 0 {
		return appendTrimmed(dst, line, a, b, off)
	}
	at := skipSpace(line, a, b) // where the run's next quote must start
	for _, c := range dc {
		if c.start < at {
			continue
		}
		if c.start > at || c.end >= b {
			break
		}
		if c.cut {
			dst = appendTrimmed(dst, line, a, c.end, off)
			a = c.end
		}
		at = c.end
	}
	return appendTrimmed(dst, line, a, b, off)
}

// skipSpace returns the position of the first non-whitespace byte of
// line[a:b], or b.
func skipSpace(line []byte, a, b int) int {
	for a < b {
		c := line[a]
		if c < utf8.RuneSelf {
			if !isSpaceASCII(c) {
				break
			}
			a++
			continue
		}
		r, size := utf8.DecodeRune(line[a:b])
		if !unicode.IsSpace(r) {
			break
		}
		a += size
	}
	return a
}

// matchBrackets appends to iv the outermost bracket pairs among marks that
// close on the line, as byte ranges from opener to past closer, in order. A
// closer matches the nearest open bracket of its kind; brackets opened after
// that one are left unclosed.
func (s *Splitter) matchBrackets(marks []mark, iv []span) []span {
	type opener struct{ kind, pos int }
	var (
		stBuf [16]opener
		st    = stBuf[:0]
		nOpen [maxBracketPairs]int32
	)
	for _, m := range marks {
		if !s.brackets.has(m.r) {
			continue
		}
		i, size := int(m.pos), int(m.size)
		kind, isOpen := s.openKind[m.r]
		ck, isClose := s.closeKind[m.r]
		// A quote that both opens and closes closes when one is open.
		if isOpen && !(isClose && nOpen[ck] > 0) {
			st = append(st, opener{kind, i})
			nOpen[kind]++
		} else if kind := ck; isClose && nOpen[kind] > 0 {
			j := len(st) - 1
			for st[j].kind != kind {
				j--
			}
			for _, o := range st[j:] {
				nOpen[o.kind]--
			}
			pair := span{st[j].pos, i + size}
			st = st[:j]
			// Drop the pairs this one encloses: iv stays sorted and disjoint.
			for len(iv) > 0 && iv[len(iv)-1].start > pair.start {
				iv = iv[:len(iv)-1]
			}
			iv = append(iv, pair)
		}
	}
	return iv
}

// continues reports whether the sentence goes on across the cut at pos,
// which kagome placed after a delimiter and its followers.
func (s *Splitter) continues(line []byte, pos int) bool {
	next, _ := utf8.DecodeRune(line[pos:])
	last, _ := utf8.DecodeLastRune(line[:pos])
	if s.closers.has(last) && (s.continuers.has(next) || s.continuationWord(line[pos:])) {
		return true // 「…。」と言った, 「…。」だった
	}
	// Find the delimiter that made the cut: the last one before pos.
	d, dpos := rune(-1), pos
	for p := pos; p > 0; {
		r, size := utf8.DecodeLastRune(line[:p])
		p -= size
		if s.delims.has(r) {
			d, dpos = r, p
			break
		}
	}
	// Inside a Latin word or number (3.14, example.com, ３．１４,
	// Yahoo!JAPAN), not after Japanese (終わった.3人, 本当?3人).
	before, _ := utf8.DecodeLastRune(line[:dpos])
	inWord := (next < utf8.RuneSelf && isASCIIAlnum(byte(next)) || unicode.IsDigit(next)) &&
		(before < utf8.RuneSelf && isASCIIAlnum(byte(before)) || unicode.IsDigit(before))
	switch d {
	case '.', '．':
		// A file path or handle: ~/.config, ./run.sh, @user.name.
		inPath := d == '.' && (next == '/' || next == '\\' ||
			next < utf8.RuneSelf && isASCIIAlnum(byte(next)) &&
				before < utf8.RuneSelf && strings.IndexByte(pathPunct, byte(before)) >= 0)
		if inWord || inPath {
			return true
		}
	case '!', '?':
		// Also after a Latin word with no space following: a name such as
		// Yahoo!ニュース (but 本当?3人 and "Wait! Now" split).
		latinName := dpos+1 == pos && before < utf8.RuneSelf && isASCIILetter(byte(before)) && !unicode.IsSpace(next)
		return inWord || latinName
	default:
		return false
	}
	if d != '.' || dpos+1 != pos {
		return false
	}
	// A period right before the cut: an abbreviation or an initial?
	ws := dpos
	for ws > 0 && (isASCIILetter(line[ws-1]) || line[ws-1] == '.') {
		ws--
	}
	if ws > 0 && line[ws-1] >= '0' && line[ws-1] <= '9' {
		return false
	}
	word := line[ws:dpos]
	if len(word) == 0 {
		return false
	}
	if _, ok := s.abbrev[string(word)]; ok {
		return true
	}
	return isInitials(word)
}

// listNumber reports whether line[segStart:pos], the sentence a cut at pos
// would end, is only the number of a list item or section and its period:
// "1." of "1. 概要" (or of "1.概要", what NFKC makes of "１．概要").
func listNumber(line []byte, segStart, pos int) bool {
	seg := line[skipSpace(line, segStart, pos):pos]
	if n := len(seg); n < 2 || n > 4 || seg[n-1] != '.' {
		return false
	}
	for _, c := range seg[:len(seg)-1] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isInitials reports whether w is single letters joined by periods: J, U.S, e.g.
func isInitials(w []byte) bool {
	for i, c := range w {
		if i%2 == 0 && !isASCIILetter(c) || i%2 == 1 && c != '.' {
			return false
		}
	}
	return len(w)%2 == 1
}

// pathPunct are the ASCII characters of paths and handles that may come
// right before a period that does not end a sentence: ~/.config, ./run.sh.
const pathPunct = "/\\_~-@:%+=#&"

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isASCIIAlnum(c byte) bool { return isASCIILetter(c) || '0' <= c && c <= '9' }

// appendTrimmed appends line[a:b] without its leading and trailing
// whitespace, shifted by off, unless nothing is left.
func appendTrimmed(dst []span, line []byte, a, b, off int) []span {
	for a < b {
		c := line[a]
		if c < utf8.RuneSelf {
			if !isSpaceASCII(c) {
				break
			}
			a++
			continue
		}
		r, size := utf8.DecodeRune(line[a:b])
		if !unicode.IsSpace(r) {
			break
		}
		a += size
	}
	for a < b {
		c := line[b-1]
		if c < utf8.RuneSelf {
			if !isSpaceASCII(c) {
				break
			}
			b--
			continue
		}
		r, size := utf8.DecodeLastRune(line[a:b])
		if !unicode.IsSpace(r) {
			break
		}
		b -= size
	}
	if a < b {
		dst = append(dst, span{a + off, b + off})
	}
	return dst
}

func isSpaceASCII(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}
