package tokenize

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// The rules below find sentence starts after ". " that UAX #29 misses
// because its rule SB8 keeps a period before a lower-case word even when
// digits, brackets or quotes stand between them, and the start a Dutch
// opening quote ,, makes, which SB8a keeps with the sentence before it:
//
//   - a period after a word of at least minLowerWord letters that is no
//     abbreviation, or after a closing bracket ("[877]. in ogni caso"),
//     before a lower-case word;
//   - a period after a word of at least minDigitWord letters that is no
//     abbreviation before a number and a lower-case word (Russian
//     "альбомом. 17 июля", Italian "nel 1990. 12 persone"): "ст. 5",
//     "с. 15", "approx. 5 km" are abbreviations and stay;
//   - a period after such a word before a list item "1)" or an opening
//     bracket and a lower-case word ("dagli usi locali. 1) tre metri",
//     "presidenti. (applausi)");
//   - after a sentence terminal and a space, the Dutch opening quote ,,
//     (two commas) before a capital or digit (",,Het duurde lang").

// minDigitWord is the length, in letters, from which a word before a
// period and a number followed by a lower-case word is taken for a
// sentence end. It is shorter than minLowerWord: the abbreviations that
// stand before numbers (ст., с., p., pp., vol., art., núm.) are short or
// listed, and a number after a period is rarely anything but a start.
const minDigitWord = 5

// startAfterPeriod returns where a new sentence starts when the period at
// d, followed by a space, ends a sentence by one of the rules above, or -1.
func (s *UAXSplitter) startAfterPeriod(line []byte, a, d, b int) int {
	e := d + 1
	for e < b && (line[e] == ' ' || line[e] == '\t') {
		e++
	}
	if e == d+1 || e >= b {
		return -1
	}
	c := line[e]
	switch {
	case c >= '0' && c <= '9':
		f := e
		for f < b && line[f] >= '0' && line[f] <= '9' {
			f++
		}
		if f < b && line[f] == ')' && f-e <= 2 && f+1 < b && line[f+1] == ' ' {
			return s.periodEnds(line, a, d, minDigitWord, e) // a list item "1) "
		}
		if f == b || line[f] != ' ' {
			return -1 // 3.14, 17:30, 2,5 ...
		}
		for f < b && line[f] == ' ' {
			f++
		}
		if f < b && startsLower(line[f:b]) {
			return s.periodEnds(line, a, d, minDigitWord, e)
		}
		return -1
	case c == '(' || c == '[':
		if e+1 < b && startsLower(line[e+1:b]) {
			return s.periodEnds(line, a, d, minLowerWord, e)
		}
		return -1
	case c < utf8.RuneSelf && (c < 'a' || c > 'z'):
		return -1 // the usual case: a capital or a sign follows
	}
	if !startsLower(line[e:b]) {
		return -1
	}
	if d > a && (line[d-1] == ')' || line[d-1] == ']') {
		return e // "(1998). in", "[877]. in": the period is not an abbreviation's
	}
	return s.periodEnds(line, a, d, minLowerWord, e)
}

// periodEnds returns e when the period at d follows a word of at least
// minWord letters that is not part of a dotted, hyphenated or numbered
// form and not one of the language's abbreviations, or -1.
func (s *UAXSplitter) periodEnds(line []byte, a, d, minWord, e int) int {
	ws, letters := d, 0
	for ws > a {
		r, size := utf8.DecodeLastRune(line[:ws])
		if !unicode.IsLetter(r) {
			break
		}
		ws -= size
		letters++
	}
	if letters < minWord {
		return -1
	}
	if ws > a {
		if r, _ := utf8.DecodeLastRune(line[:ws]); r == '.' || unicode.IsDigit(r) || r == '-' {
			return -1 // part of a dotted or hyphenated form
		}
	}
	if s.isAbbrev(line[ws:d]) {
		return -1
	}
	return e
}

// startsLower reports whether b starts with a lower-case letter.
func startsLower(b []byte) bool {
	if c := b[0]; c < utf8.RuneSelf {
		return c >= 'a' && c <= 'z'
	}
	r, _ := utf8.DecodeRune(b)
	return unicode.IsLower(r)
}

// dutchQuoteBreak returns the position of the first Dutch opening quote
// ,, in (a, lim) that opens a sentence: a sentence terminal (with
// closers), spaces, the two commas, optional spaces and a capital or a
// digit, no abbreviation before the terminal; or -1.
func (s *UAXSplitter) dutchQuoteBreak(line []byte, a, lim, b int) int {
	for p := a; p < lim; {
		i := bytes.Index(line[p:lim], commaQuote)
		if i < 0 {
			return -1
		}
		q := p + i
		p = q + 2
		if q == a || line[q-1] != ' ' {
			continue
		}
		e := q + 2
		for e < b && line[e] == ' ' {
			e++
		}
		if e >= b {
			continue
		}
		if r, _ := utf8.DecodeRune(line[e:b]); !unicode.IsUpper(r) && !unicode.IsDigit(r) {
			continue
		}
		if s.terminalBefore(line, a, q) {
			return q
		}
	}
	return -1
}

var commaQuote = []byte(",,")

// quoteAttribution reports whether the boundary at end follows a ? or !,
// a closing quote and spaces, and precedes a lower-case word: the
// attribution of a quoted question or exclamation (",,Wanneer komt u?”
// riep hij", "\"Why?\" he asked"), which belongs to the sentence.
func quoteAttribution(line []byte, segStart, end int) bool {
	if end >= len(line) || !startsLower(line[end:]) {
		return false
	}
	p := end
	quotes := 0
	for p > segStart {
		r, size := utf8.DecodeLastRune(line[segStart:p])
		switch {
		case r == ' ' || r == '\t':
		case r == '"' || r == '\'' || r == '»' || r == '«' || unicode.In(r, unicode.Pf, unicode.Pi):
			quotes++
		default:
			return quotes > 0 && (r == '?' || r == '!')
		}
		p -= size
	}
	return false
}
