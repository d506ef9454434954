package tokenize

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

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
