package tokenize

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"github.com/clipperhouse/uax29/v2/sentences"
)

// UAXSplitter cuts text into sentences at Unicode sentence boundaries
// (UAX #29, through github.com/clipperhouse/uax29/v2), then undoes the
// boundaries that a language's abbreviations and numbers make wrongly. It
// is safe for concurrent use.
//
// The rules, in order:
//   - A newline always ends a sentence; no sentence contains '\n'.
//   - UAX #29 proposes the boundaries: after . ! ? । and the other
//     sentence terminals of every script, with closing quotes and brackets
//     kept with their sentence, but not before a lower-case word, a digit
//     right after the period (3.14) or inside U.S.A.
//   - A boundary after a period is undone when the word before it is one of
//     the language's abbreviations (Dr., z. B., M., т. е.), a capital
//     initial (J. R. R. Tolkien), a dotted run of short parts (e.g.,
//     U.S., m.in.), a list number opening the line (1. Einleitung) or, for
//     German, an ordinal of one to three digits after an article or
//     preposition or before a month or a noun such as Jahrhundert (am 3.
//     Oktober, im 12. Jahrhundert, zum 01. Januar).
//   - Closing quotes that a space separates from the terminal stay with
//     their sentence: French « Bonjour. », and in ASCII text a closing
//     quote of two apostrophes, or a lone " or ', before a space or the
//     line's end (Dutch treebank text writes the quote so, spaced).
//   - Inside what UAX #29 leaves whole, a dialogue dash, a lower-case
//     sentence start after a long word and, for Korean, the final endings
//     요, 죠, 줘 and 니다 start a new sentence (see uax_rules.go).
//
// Whitespace at a sentence's start and end belongs to no sentence, as with
// Splitter, so the sentences and the whitespace between them give back the
// input.
type UAXSplitter struct {
	abbrev        map[string]struct{}
	before, after map[string]struct{} // ordinal context; nil: no ordinals
	hangulEnds    bool                // Korean final endings end a sentence
}

// NewUAXSplitter returns the UAX #29 splitter for the language code (its
// abbreviations and ordinal rule; a language without a list gets only the
// rules every language shares).
func NewUAXSplitter(code string) *UAXSplitter {
	s := &UAXSplitter{abbrev: wordSet(langAbbreviations[code])}
	if oc, ok := ordinalContext[code]; ok {
		s.before, s.after = wordSet(oc.before), wordSet(oc.after)
	}
	s.hangulEnds = code == "ko"
	return s
}

// Sentences returns the sentences of text as substrings of it.
func (s *UAXSplitter) Sentences(text string) []string { return s.AppendSentences(nil, text) }

// AppendSentences appends the sentences of text to dst, as substrings.
func (s *UAXSplitter) AppendSentences(dst []string, text string) []string {
	b := stringBytes(text)
	var buf [32]span
	for off := 0; off < len(b); {
		line := b[off:]
		next := len(b)
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line, next = line[:i], off+i+1
		}
		for _, sp := range s.appendLine(buf[:0], line, off) {
			dst = append(dst, text[sp.start:sp.end])
		}
		off = next
	}
	return dst
}

// AppendSentenceLines appends the sentences of line, each with a '\n', to
// dst; a blank line gives one empty line. It is a LineFunc.
func (s *UAXSplitter) AppendSentenceLines(dst, line []byte) []byte {
	var buf [32]span
	return appendSpanLines(dst, line, s.appendLine(buf[:0], line, 0))
}

// appendSpanLines writes the spans of line, one per line, or one empty
// line when there are none.
func appendSpanLines(dst, line []byte, spans []span) []byte {
	if len(spans) == 0 {
		return append(dst, '\n')
	}
	for _, sp := range spans {
		dst = append(dst, line[sp.start:sp.end]...)
		dst = append(dst, '\n')
	}
	return dst
}

func (s *UAXSplitter) appendLine(dst []span, line []byte, off int) []span {
	if !innerTerminal(line) {
		// No terminal before the line's end: one sentence, as UAX #29
		// would find (it breaks only after terminals and paragraph
		// separators), without running the iterator.
		return s.appendSegment(dst, line, 0, len(line), off)
	}
	return s.appendLineFull(dst, line, off)
}

// innerTerminal reports whether UAX #29 may cut line before its end:
// whether it holds a paragraph separator, or a sentence terminal other
// than those of a final run "terminals, closing punctuation, spaces" (with
// the marks UAX #29 attaches to the character before them) that ends the
// line. Anything else goes through the iterator.
func innerTerminal(line []byte) bool {
	if hasParaSep(line) {
		return true
	}
	t, _ := nextTerminal(line, 0)
	if t < 0 {
		return false
	}
	p := t
	for p < len(line) {
		r, n := utf8.DecodeRune(line[p:])
		if !isTerminal(r) && !isAttached(r) {
			break
		}
		p += n
	}
	for p < len(line) {
		r, n := utf8.DecodeRune(line[p:])
		if !isClose(r) && !isAttached(r) {
			break
		}
		p += n
	}
	for p < len(line) && (line[p] == ' ' || line[p] == '\t') {
		p++
	}
	return p < len(line)
}

// isAttached reports whether UAX #29 attaches r to the character before
// it (combining marks, part of Extend; format characters are left to the
// iterator).
func isAttached(r rune) bool {
	return r >= utf8.RuneSelf && unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc)
}

// isClose reports whether r is UAX #29 Close punctuation: brackets and
// quotation marks.
func isClose(r rune) bool {
	switch r {
	case '"', '\'', ')', ']', '}', '(', '[', '{':
		return true
	}
	return r >= utf8.RuneSelf && unicode.In(r, unicode.Ps, unicode.Pe, unicode.Pi, unicode.Pf)
}

// appendLineFull is appendLine with every boundary from the UAX #29
// iterator run over the whole line.
func (s *UAXSplitter) appendLineFull(dst []span, line []byte, off int) []span {
	it := sentences.FromBytes(line)
	segStart := 0
	for it.Next() {
		end := it.End()
		if end >= len(line) {
			break
		}
		if end <= segStart || s.keepsGoing(line, segStart, end) {
			continue
		}
		end = closersAfter(line, end)
		if end >= len(line) {
			break
		}
		if quoteAttribution(line, segStart, end) {
			continue
		}
		dst = s.appendSegment(dst, line, segStart, end, off)
		segStart = end
	}
	return s.appendSegment(dst, line, segStart, len(line), off)
}

// hasParaSep reports whether line holds a character UAX #29 always breaks
// after: CR, NEL, LINE or PARAGRAPH SEPARATOR.
func hasParaSep(line []byte) bool {
	return bytes.IndexByte(line, '\r') >= 0 || bytes.Contains(line, nel) ||
		bytes.Contains(line, lineSep) || bytes.Contains(line, paraSep)
}

var (
	nel     = []byte("\u0085")
	lineSep = []byte("\u2028")
	paraSep = []byte("\u2029")
)

// nextTerminal returns the position and size of the first sentence
// terminal (UAX #29 STerm or ATerm: . ! ? । ؟ 。 and the others) at or
// after p, or -1.
func nextTerminal(line []byte, p int) (int, int) {
	for i := p; i < len(line); {
		c := line[i]
		if c < utf8.RuneSelf {
			if c == '.' || c == '!' || c == '?' {
				return i, 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(line[i:])
		if isTerminal(r) {
			return i, size
		}
		i += size
	}
	return -1, 0
}

// isTerminal reports whether r is a UAX #29 sentence terminal.
func isTerminal(r rune) bool {
	if r < 0x10000 {
		return terminals[r>>6]&(1<<(r&63)) != 0
	}
	return probeTerminal(r)
}

// terminals has a bit for every character of the Basic Multilingual Plane
// that UAX #29 ends a sentence at, found by asking the iterator itself.
var terminals = func() (t [0x10000 / 64]uint64) {
	for r := rune(0x80); r < 0x10000; r++ {
		if (unicode.IsPunct(r) || unicode.IsSymbol(r)) && probeTerminal(r) {
			t[r>>6] |= 1 << (r & 63)
		}
	}
	for _, c := range ".!?" {
		t[c>>6] |= 1 << (c & 63)
	}
	return t
}()

// probeTerminal reports whether the iterator ends a sentence after r in
// "a" r " B", as it does after a terminal.
func probeTerminal(r rune) bool {
	s := "a" + string(r) + " B"
	it := sentences.FromString(s)
	return it.Next() && it.End() == len(s)-1
}

// closersAfter moves a boundary at end past closing quotes and brackets
// that a space separates from their terminal, as French writes them
// (« Bonjour. »), and past the spaces after them: UAX #29 cuts before a
// closer that follows a space. ASCII quotes count as closers there when
// they stand alone: two apostrophes, or one " or ', before a space or
// the line's end.
func closersAfter(line []byte, end int) int {
	p := end
	for p < len(line) {
		r, size := utf8.DecodeRune(line[p:])
		if unicode.In(r, unicode.Pe, unicode.Pf) {
			p += size
			continue
		}
		if n := asciiCloser(line[p:]); n > 0 {
			p += n
			continue
		}
		break
	}
	if p == end {
		return end
	}
	for p < len(line) && isSpaceASCII(line[p]) {
		p++
	}
	return p
}

// asciiCloser returns the length of a lone ASCII closing quote at the
// start of b (” or a single " or ', then a space or the end), or 0.
func asciiCloser(b []byte) int {
	n := 0
	switch {
	case len(b) >= 2 && b[0] == '\'' && b[1] == '\'':
		n = 2
	case len(b) >= 1 && (b[0] == '"' || b[0] == '\''):
		n = 1
	default:
		return 0
	}
	if n < len(b) && !isSpaceASCII(b[n]) {
		return 0
	}
	return n
}

// keepsGoing reports whether the UAX #29 boundary at end (past the
// terminal, its closers and the spaces after it) is to be undone.
func (s *UAXSplitter) keepsGoing(line []byte, segStart, end int) bool {
	p := end
	for p > segStart && isSpaceASCII(line[p-1]) {
		p--
	}
	if p == end || p == segStart || line[p-1] != '.' {
		// Only a period followed by a space is looked at: "end.The" and
		// "! Next" stay cut.
		return false
	}
	dpos := p - 1
	// The word before the period: letters and inner periods.
	ws := dpos
	for ws > segStart {
		r, size := utf8.DecodeLastRune(line[:ws])
		if r != '.' && !unicode.IsLetter(r) {
			break
		}
		ws -= size
	}
	word := line[ws:dpos]
	if len(word) == 0 {
		return s.number(line, segStart, dpos, end)
	}
	if ws > segStart {
		if r, _ := utf8.DecodeLastRune(line[:ws]); unicode.IsDigit(r) {
			return false // 2020er. or 3a.: not a word
		}
	}
	if bytes.IndexByte(word, '.') >= 0 {
		return dottedShort(word)
	}
	first, size := utf8.DecodeRune(word)
	if size == len(word) && unicode.IsUpper(first) {
		return true // an initial
	}
	if _, ok := s.abbrev[string(word)]; ok {
		return true
	}
	if unicode.IsUpper(first) {
		var buf [64]byte
		if len(word)+utf8.UTFMax <= len(buf) {
			low := utf8.AppendRune(buf[:0], unicode.ToLower(first))
			low = append(low, word[size:]...)
			if _, ok := s.abbrev[string(low)]; ok {
				return true
			}
		}
	}
	return false
}

// number reports whether the period at dpos follows a number that does
// not end a sentence: a list number opening the line (1. Einleitung), or
// an ordinal of one to three digits in its context (see ordinalContext);
// end is where the next sentence would start.
func (s *UAXSplitter) number(line []byte, segStart, dpos, end int) bool {
	ds := dpos
	for ds > segStart && line[ds-1] >= '0' && line[ds-1] <= '9' {
		ds--
	}
	n := dpos - ds
	if n == 0 || n > 4 {
		return false
	}
	if ds > segStart {
		r, _ := utf8.DecodeLastRune(line[:ds])
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == ',' {
			return false
		}
	}
	if skipSpace(line, segStart, ds) == ds {
		// A list or article number opening the line or following a
		// sentence end ("... seguenti). 977. Enfiteusi costituite").
		return true
	}
	if n > 3 {
		return false
	}
	if s.before == nil {
		return false
	}
	if _, ok := s.after[string(wordAt(line[end:]))]; ok {
		return true
	}
	_, ok := s.before[string(lastWord(line[segStart:ds]))]
	return ok
}

// wordAt returns the letters at the start of b.
func wordAt(b []byte) []byte {
	i := 0
	for i < len(b) {
		r, size := utf8.DecodeRune(b[i:])
		if !unicode.IsLetter(r) {
			break
		}
		i += size
	}
	return b[:i]
}

// lastWord returns the letters that end b, before trailing spaces.
func lastWord(b []byte) []byte {
	j := len(b)
	for j > 0 && isSpaceASCII(b[j-1]) {
		j--
	}
	i := j
	for i > 0 {
		r, size := utf8.DecodeLastRune(b[:i])
		if !unicode.IsLetter(r) {
			break
		}
		i -= size
	}
	return b[i:j]
}

func wordSet(ws []string) map[string]struct{} {
	m := make(map[string]struct{}, len(ws))
	for _, w := range ws {
		m[w] = struct{}{}
	}
	return m
}

// dottedShort reports whether w, letters with inner periods, is a dotted
// abbreviation: every part at most three letters (e.g, U.S, z.B, т.е, m.in).
func dottedShort(w []byte) bool {
	for len(w) > 0 {
		i := bytes.IndexByte(w, '.')
		part := w
		if i >= 0 {
			part, w = w[:i], w[i+1:]
		} else {
			w = nil
		}
		if n := utf8.RuneCount(part); n == 0 || n > 3 {
			return false
		}
	}
	return true
}
