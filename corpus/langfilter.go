package corpus

import (
	"fmt"
	"math/bits"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"

	"github.com/calibkit/calibkit/langs"
)

// DefaultLangIDMinWords is the fewest words a line needs before the
// language identifier may drop it: shorter lines (names, titles, list
// items) are too short to tell languages that share a script apart.
const DefaultLangIDMinWords = 6

// langFilter keeps the lines of one language other than Japanese (whose
// filter is scanLine and JapaneseShare, as before): a line must have at
// least share of its letters in the language's script and, for a language
// written in the Latin script that the identifier knows, a line of
// minWords words or more with fewer than one of the language's function
// words in eight is dropped when the identifier reliably names another
// language.
type langFilter struct {
	lang     *langs.Language
	share    float64
	latin    bool
	words    map[string]uint64 // function word → the languages (bits of wordLangs) it belongs to
	self     int               // the filter's language's bit
	id       whatlanggo.Lang
	idOpts   whatlanggo.Options
	minWords int
	table    *scriptTable
}

// wordLangs are the languages with function-word lists, in a fixed order:
// bit i of a word's mask is wordLangs[i].
var wordLangs = func() []string {
	var out []string
	for _, l := range langs.All() {
		if len(l.Words()) > 0 {
			out = append(out, l.Code)
		}
	}
	return out
}()

// functionWords maps every function word of wordLangs to its languages;
// functionWords8 holds those of at most 8 ASCII bytes, packed into a
// uint64 (a cheaper key than a string); maxFunctionWord is the longest, in
// bytes: a longer word is not looked up.
var functionWords, functionWords8, maxFunctionWord = func() (map[string]uint64, map[uint64]uint64, int) {
	m, m8 := map[string]uint64{}, map[uint64]uint64{}
	n := 0
	for i, code := range wordLangs {
		l, _ := langs.Lookup(code)
		for _, w := range l.Words() {
			m[w] |= 1 << i
			if k, ok := pack8(w); ok {
				m8[k] |= 1 << i
			}
			n = max(n, len(w))
		}
	}
	return m, m8, n
}()

// pack8 packs a word of at most 8 ASCII bytes, lower-cased, into a
// uint64; ok is false for a longer or non-ASCII word.
func pack8(w string) (k uint64, ok bool) {
	if len(w) > 8 {
		return 0, false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return 0, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		k |= uint64(c) << (8 * i)
	}
	return k, true
}

// latinIdentified are the Latin-script languages of the identifier, the
// ones it chooses among: a line's language is told apart only from these.
var latinIdentified = func() map[whatlanggo.Lang]bool {
	m := map[whatlanggo.Lang]bool{}
	for _, l := range langs.All() {
		if l.Identify != "" {
			m[whatlanggo.CodeToLang(l.Identify)] = true
		}
	}
	// Latin-script languages outside the table that Wikipedia lines are
	// often written in.
	for _, c := range []string{"epo", "hrv", "slv", "est", "lav", "lit", "tgl", "jav", "nno", "azj", "uzb", "tuk", "hat", "ilo"} {
		m[whatlanggo.CodeToLang(c)] = true
	}
	return m
}()

func newLangFilter(code string, share float64, identify bool, minWords int) (*langFilter, error) {
	l, err := langs.Lookup(code)
	if err != nil {
		return nil, err
	}
	f := &langFilter{lang: l, share: share, latin: l.Script == unicode.Latin, minWords: minWords, table: newScriptTable(l)}
	if f.share == 0 {
		f.share = l.Share
	}
	if identify && l.Identify != "" {
		f.id = whatlanggo.CodeToLang(l.Identify)
		if f.id < 0 {
			return nil, fmt.Errorf("language %s: identifier code %q unknown", code, l.Identify)
		}
		f.words = functionWords
		for i, c := range wordLangs {
			if c == code {
				f.self = i
			}
		}
		f.idOpts = whatlanggo.Options{Whitelist: latinIdentified}
	}
	return f, nil
}

// identifies reports whether the filter runs the language identifier.
func (f *langFilter) identifies() bool { return f.words != nil }

// langVerdict is what the filter decided about a line.
type langVerdict int

const (
	langKeep        langVerdict = iota
	langScript                  // too little of the language's script
	langIdentified              // the identifier named another language
	langKeepChecked             // kept after the identifier was asked
	langOtherWords              // plainly another language by its function words
)

// check decides about one line (valid UTF-8, trimmed).
func (f *langFilter) check(line string) langVerdict {
	in, all, ex := f.table.count(line)
	if share(in, all) < f.share || share(ex, all) >= excludedMax {
		return langScript
	}
	if f.words == nil {
		return langKeep
	}
	switch f.byWords(line) {
	case wordsSelf:
		return langKeep
	case wordsOther:
		return langOtherWords
	}
	info := whatlanggo.DetectWithOptions(line, f.idOpts)
	if info.Lang != f.id && info.IsReliable() {
		return langIdentified
	}
	return langKeepChecked
}

// functionWordShare is the share of a line's words that must be function
// words of the language for the line to be kept without asking the
// identifier: one word in eight. Prose holds a quarter to a third; a line
// in another language that shares a few short words (in, a, de) holds
// far fewer.
const functionWordShare = 8

// otherWordShare: a line with at least one word in four a function word
// of another language, and fewer than half as many of the filter's
// language, is plainly in that language.
const otherWordShare = 4

// wordsVerdict is what a line's function words say.
type wordsVerdict int

const (
	wordsSelf    wordsVerdict = iota // the language, or too short to tell
	wordsOther                       // plainly another language
	wordsUnclear                     // no function word of the language, or more of another: ask the identifier
)

// byWords counts the line's words and, per language of wordLangs, its
// function words (one map lookup per word).
func (f *langFilter) byWords(line string) wordsVerdict {
	var hits [64]int32
	n := 0
	var buf [32]byte
	for i := 0; i < len(line); {
		// Skip to the next letter.
		r, size := rune(line[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(line[i:])
		}
		if !isWordRune(r) {
			i += size
			continue
		}
		j := i + size
		for j < len(line) {
			r, size := rune(line[j]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(line[j:])
			}
			if !isWordRune(r) {
				break
			}
			j += size
		}
		n++
		var mask uint64
		if w := line[i:j]; len(w) <= maxFunctionWord {
			if k, ok := pack8(w); ok {
				mask = functionWords8[k]
			} else if len(w) > 8 {
				if b, ok := lowerASCII(buf[:0], w); ok {
					mask = f.words[string(b)]
				} else {
					mask = f.words[strings.ToLower(w)]
				}
			} else {
				mask = f.words[strings.ToLower(w)]
			}
		}
		for mask != 0 {
			k := bits.TrailingZeros64(mask)
			hits[k]++
			mask &= mask - 1
		}
		i = j
	}
	self := int(hits[f.self])
	if n < f.minWords || self*functionWordShare >= n {
		return wordsSelf
	}
	best := 0
	for k := range wordLangs {
		if k == f.self {
			continue
		}
		if int(hits[k])*otherWordShare >= n && self*2 < int(hits[k]) {
			return wordsOther
		}
		best = max(best, int(hits[k]))
	}
	if self > 0 && best <= self {
		// Few function words, but none pointing elsewhere: a line dense
		// with names and nouns.
		return wordsSelf
	}
	return wordsUnclear
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r)
}

// lowerASCII appends w in lower case to buf; ok is false when w is not
// ASCII.
func lowerASCII(buf []byte, w string) (_ []byte, ok bool) {
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= utf8.RuneSelf {
			return nil, false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf, true
}

// excludedMax is the share of a line's letters in an excluded script
// (langs.Language.Exclude) from which the line is another language.
const excludedMax = 0.1

// scriptTable classes every character of the Basic Multilingual Plane for
// one language: letter, in the language's script, in an excluded script.
// One lookup per character instead of range-table searches keeps the
// filter at hundreds of MB/s on Han, Cyrillic or Devanagari text.
type scriptTable struct {
	lang  *langs.Language
	class [0x10000]uint8
}

const (
	classLetter uint8 = 1 << iota
	classIn
	classExcluded
)

func newScriptTable(l *langs.Language) *scriptTable {
	t := &scriptTable{lang: l}
	for r := rune(0); r < 0x10000; r++ {
		t.class[r] = classify(l, r)
	}
	return t
}

func classify(l *langs.Language, r rune) uint8 {
	if !unicode.IsLetter(r) {
		return 0
	}
	c := classLetter
	if unicode.Is(l.Script, r) {
		c |= classIn
	}
	if unicode.IsOneOf(l.Exclude, r) {
		c |= classExcluded
	}
	return c
}

// count returns how many letters of s are in the language's script, how
// many letters s has and how many are in an excluded script.
func (t *scriptTable) count(s string) (in, all, ex int) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			k := t.class[c]
			all += int(k & classLetter)
			in += int(k&classIn) >> 1
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		var k uint8
		if r < 0x10000 {
			k = t.class[r]
		} else {
			k = classify(t.lang, r)
		}
		all += int(k & classLetter)
		in += int(k&classIn) >> 1
		ex += int(k&classExcluded) >> 2
	}
	return in, all, ex
}
