package tokenize

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// The rules below add sentence boundaries inside the segments UAX #29
// leaves whole. They were found on the misses of the splitter on Universal
// Dependencies training text (docs/corpus.md) and are written for the
// language, not for a treebank:
//
//   - a dialogue dash: after a sentence terminal, a dash between spaces
//     before a capital letter opens a new sentence (Polish, Russian,
//     Spanish, Italian dialogue: "Nie wiem! - Rozumiem, pani." is two).
//     UAX #29 does not cut there, as it counts the hyphen as SContinue;
//   - a lower-case sentence start: a period after a word of at least
//     minLowerWord letters that is not one of the language's
//     abbreviations ends a sentence even before a lower-case word (UAX #29
//     keeps a period before a lower-case word, for "etc. and", "approx.
//     two"; the abbreviations of such length are listed);
//   - Korean sentence endings: a word of two syllables or more ending in
//     the polite or formal final endings 요, 죠, 니다 or the imperative
//     줘 (보여줘, 알려줘) ends a sentence
//     before the next word even without punctuation (unpunctuated
//     sentences are common in Korean reviews, chat and comments). Nouns
//     ending in 요 (필요, 주요, 중요...) are excepted.

// minLowerWord is the length, in letters, from which a word before a
// period and a lower-case word is taken for a sentence end.
const minLowerWord = 6

// appendSegment appends the sentences of line[a:b], a segment UAX #29 left
// whole, trimmed, cutting it at the boundaries of the rules above.
func (s *UAXSplitter) appendSegment(dst []span, line []byte, a, b, off int) []span {
	for {
		cut := s.extraBreak(line, a, b)
		if cut < 0 {
			return appendTrimmed(dst, line, a, b, off)
		}
		dst = appendTrimmed(dst, line, a, cut, off)
		a = cut
	}
}

// extraBreak returns the first position in (a, b) where one of the rules
// starts a new sentence, or -1. It looks only where a rule can apply (". "
// and a dash between spaces), found with bytes.Index, so that text without
// them costs little.
func (s *UAXSplitter) extraBreak(line []byte, a, b int) int {
	best, lim := -1, b
	if s.hangulEnds {
		if best = koreanEnd(line, a, b); best >= 0 {
			lim = best
		}
	}
	for p := a; p < lim; {
		i := bytes.Index(line[p:lim], dotSpace)
		if i < 0 {
			break
		}
		d := p + i
		if cut := s.startAfterPeriod(line, a, d, b); cut > 0 {
			if cut < lim {
				best, lim = cut, cut
			}
			break
		}
		p = d + 2
	}
	if q := s.dutchQuoteBreak(line, a, lim, b); q >= 0 {
		best, lim = q, q
	}
	// Dashes between spaces: '-' (one IndexByte), – and — (E2 80 93/94).
	for p := a; p < lim; {
		i := bytes.IndexByte(line[p:lim], '-')
		if i < 0 {
			break
		}
		q := p + i
		if q > a && line[q-1] == ' ' && q+1 < b && line[q+1] == ' ' && s.dashBreak(line, a, q, b) {
			best, lim = q, q
			break
		}
		p = q + 1
	}
	for p := a; p < lim; {
		i := bytes.Index(line[p:lim], dashLead)
		if i < 0 {
			break
		}
		q := p + i
		if q+3 < b && (line[q+2] == 0x93 || line[q+2] == 0x94) && q > a && line[q-1] == ' ' &&
			line[q+3] == ' ' && s.dashBreak(line, a, q, b) {
			best, lim = q, q
			break
		}
		p = q + 2
	}
	return best
}

var (
	dotSpace = []byte(". ")
	dashLead = []byte("\xe2\x80") // the first bytes of – (U+2013) and — (U+2014)
)

// dashBreak reports whether the dash at q, between spaces, opens a new
// sentence: a sentence terminal (with closers) and spaces before it, more
// spaces and a capital letter after it, and no abbreviation before the
// terminal.
func (s *UAXSplitter) dashBreak(line []byte, a, q, b int) bool {
	if !s.terminalBefore(line, a, q) {
		return false
	}
	_, n := utf8.DecodeRune(line[q:b])
	e := q + n
	for e < b && (line[e] == ' ' || line[e] == '\t') {
		e++
	}
	if e >= b {
		return false
	}
	r, _ := utf8.DecodeRune(line[e:b])
	return unicode.IsUpper(r)
}

// terminalBefore reports whether line[a:q] ends in a sentence terminal,
// its closers and spaces, with no abbreviation before the terminal.
func (s *UAXSplitter) terminalBefore(line []byte, a, q int) bool {
	p := q
	for p > a && (line[p-1] == ' ' || line[p-1] == '\t') {
		p--
	}
	for p > a {
		r, size := utf8.DecodeLastRune(line[a:p])
		if !isClose(r) && !isAttached(r) {
			break
		}
		p -= size
	}
	if p == a {
		return false
	}
	if r, _ := utf8.DecodeLastRune(line[a:p]); !isTerminal(r) {
		return false
	}
	return !s.keepsGoing(line, a, q)
}

// isAbbrev reports whether word, or word with its first letter in lower
// case, is one of the language's abbreviations.
func (s *UAXSplitter) isAbbrev(word []byte) bool {
	if _, ok := s.abbrev[string(word)]; ok {
		return true
	}
	first, size := utf8.DecodeRune(word)
	if !unicode.IsUpper(first) {
		return false
	}
	var buf [64]byte
	if len(word)+utf8.UTFMax > len(buf) {
		return false
	}
	low := utf8.AppendRune(buf[:0], unicode.ToLower(first))
	low = append(low, word[size:]...)
	_, ok := s.abbrev[string(low)]
	return ok
}

// koreanEnd returns the position of the first word after a Korean final
// ending in (a, b): a word of Hangul syllables ending in 요, 죠 or 줘 (two
// syllables or more) or 니다 (three or more: 합니다, 입니다), not a listed
// noun, before spaces and a letter or digit; or -1.
func koreanEnd(line []byte, a, b int) int {
	for p := a; p < b; {
		i := bytes.IndexByte(line[p:b], ' ')
		if i < 0 {
			return -1
		}
		sp := p + i
		p = sp + 1
		last, n := utf8.DecodeLastRune(line[a:sp])
		if last != '요' && last != '죠' && last != '줘' && last != '다' {
			continue
		}
		ws, syl := sp, 0
		for ws > a {
			r, size := utf8.DecodeLastRune(line[a:ws])
			if !isHangulSyllable(r) {
				break
			}
			ws -= size
			syl++
		}
		if last == '다' {
			if r, _ := utf8.DecodeLastRune(line[a : sp-n]); r != '니' || syl < 3 {
				continue
			}
		} else if syl < 2 {
			continue
		}
		if ws > a {
			if r, _ := utf8.DecodeLastRune(line[a:ws]); unicode.IsLetter(r) || unicode.IsDigit(r) {
				continue // the ending of a longer mixed word
			}
		}
		if _, ok := koreanNouns[string(line[ws:sp])]; ok {
			continue
		}
		e := sp
		for e < b && (line[e] == ' ' || line[e] == '\t') {
			e++
		}
		if e >= b {
			return -1
		}
		if r, _ := utf8.DecodeRune(line[e:b]); unicode.IsLetter(r) || unicode.IsDigit(r) {
			return e
		}
		p = e
	}
	return -1
}

// isHangulSyllable reports whether r is a precomposed Hangul syllable.
func isHangulSyllable(r rune) bool { return r >= 0xAC00 && r <= 0xD7A3 }

// koreanNouns are the common words ending in 요 that are nouns, not a
// polite ending: they do not end a sentence.
var koreanNouns = wordSet([]string{"필요", "불필요", "중요", "주요", "수요", "개요", "강요", "소요",
	"동요", "가요", "민요", "요요"})
