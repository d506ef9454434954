package corpus

import (
	"fmt"
	"math/bits"
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
var functionWords, functionWords8, maxFunctionWord = func() (map[string]uint64, *packedSet, int) {
	m, m8 := map[string]uint64{}, &packedSet{}
	n := 0
	for i, code := range wordLangs {
		l, _ := langs.Lookup(code)
		for _, w := range l.Words() {
			m[w] |= 1 << i
			if k, ok := pack8(w); ok {
				m8.add(k, 1<<i)
			}
			n = max(n, len(w))
		}
	}
	return m, m8, n
}()

// packedSet is an open-addressing hash table from packed words to
// language masks: a multiply and a probe or two per word, several times
// cheaper than a Go map lookup on the filter's hot path.
type packedSet struct {
	keys  [packedSlots]uint64
	masks [packedSlots]uint64
}

const packedSlots = 4096 // a power of two, several times the words

func packedSlot(k uint64) uint64 { return (k * 0x9E3779B97F4A7C15) >> (64 - 12) }

func (t *packedSet) add(k, mask uint64) {
	for i := packedSlot(k); ; i = (i + 1) & (packedSlots - 1) {
		if t.keys[i] == k || t.keys[i] == 0 {
			t.keys[i] = k
			t.masks[i] |= mask
			return
		}
	}
}

func (t *packedSet) get(k uint64) uint64 {
	for i := packedSlot(k); ; i = (i + 1) & (packedSlots - 1) {
		switch t.keys[i] {
		case k:
			return t.masks[i]
		case 0:
			return 0
		}
	}
}

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

// maxWordsLooked bounds the words byWords looks at: the start of a long
// paragraph tells its language as well as the whole.
const maxWordsLooked = 32

// byWords counts the line's words (up to maxWordsLooked) and, per language
// of wordLangs, its function words (one map lookup per word).
func (f *langFilter) byWords(line string) wordsVerdict {
	var hits [64]int32
	n := 0
	var buf [32]byte
	class := &f.table.class
	for i := 0; i < len(line) && n < maxWordsLooked; {
		// Skip to the next letter.
		c := line[i]
		if c < utf8.RuneSelf {
			if class[c]&classLetter == 0 {
				i++
				continue
			}
		} else if r, size := utf8.DecodeRuneInString(line[i:]); !isLetterIn(class, r) {
			i += size
			continue
		}
		j := i
		for j < len(line) {
			c := line[j]
			if c < utf8.RuneSelf {
				if class[c]&classLetter == 0 {
					break
				}
				j++
				continue
			}
			r, size := utf8.DecodeRuneInString(line[j:])
			if !isLetterIn(class, r) {
				break
			}
			j += size
		}
		n++
		w := line[i:j]
		i = j
		if len(w) > maxFunctionWord || !functionPrefix.has(w) {
			continue
		}
		var mask uint64
		if k, ok := pack8(w); ok {
			mask = functionWords8.get(k)
		} else if b, ok := lowerInto(buf[:0], w); ok {
			mask = f.words[string(b)]
		}
		for mask != 0 {
			k := bits.TrailingZeros64(mask)
			hits[k]++
			mask &= mask - 1
		}
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

// isLetterIn reports whether r is a letter, from the filter's class
// table for the Basic Multilingual Plane.
func isLetterIn(class *[0x10000]uint8, r rune) bool {
	if r < 0x10000 {
		return class[r]&classLetter != 0
	}
	return unicode.IsLetter(r)
}

// prefixSet has a bit for the first two bytes (lower-cased when ASCII)
// of every function word, and of its capitalised form: most words of a
// line are not looked up at all.
type prefixSet [1 << 16 / 64]uint64

func prefixKey(w string) uint16 {
	a, b := w[0], byte(0)
	if len(w) > 1 {
		b = w[1]
	}
	if 'A' <= a && a <= 'Z' {
		a += 'a' - 'A'
	}
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	return uint16(a)<<8 | uint16(b)
}

func (p *prefixSet) add(w string) { k := prefixKey(w); p[k>>6] |= 1 << (k & 63) }

func (p *prefixSet) has(w string) bool { k := prefixKey(w); return p[k>>6]&(1<<(k&63)) != 0 }

// functionPrefix is the prefixSet of every function word.
var functionPrefix = func() *prefixSet {
	p := &prefixSet{}
	for w := range functionWords {
		p.add(w)
		if r, size := utf8.DecodeRuneInString(w); r >= utf8.RuneSelf {
			p.add(string(unicode.ToUpper(r)) + w[size:])
		}
	}
	return p
}()

// lowerInto appends w in lower case to buf, without allocating; ok is
// false when it does not fit in buf's capacity.
func lowerInto(buf []byte, w string) (_ []byte, ok bool) {
	for _, r := range w {
		r = unicode.ToLower(r)
		if len(buf)+utf8.RuneLen(r) > cap(buf) {
			return nil, false
		}
		buf = utf8.AppendRune(buf, r)
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
