package corpus

import (
	"fmt"
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
	words    map[string]struct{}
	id       whatlanggo.Lang
	idOpts   whatlanggo.Options
	minWords int
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
	f := &langFilter{lang: l, share: share, latin: l.Script == unicode.Latin, minWords: minWords}
	if f.share == 0 {
		f.share = l.Share
	}
	if identify && l.Identify != "" {
		f.id = whatlanggo.CodeToLang(l.Identify)
		if f.id < 0 {
			return nil, fmt.Errorf("language %s: identifier code %q unknown", code, l.Identify)
		}
		f.words = map[string]struct{}{}
		for _, w := range l.Words() {
			f.words[w] = struct{}{}
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
)

// check decides about one line (valid UTF-8, trimmed).
func (f *langFilter) check(line string) langVerdict {
	in, all := scriptCount(line, f.lang.Script, f.latin)
	if share(in, all) < f.share || f.lang.Exclude != nil && excludedShare(line, f.lang.Exclude, all) >= excludedMax {
		return langScript
	}
	if f.words == nil || f.plainlyIn(line) {
		return langKeep
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

// plainlyIn reports whether line has fewer than minWords words or at least
// one function word of the language in every functionWordShare words:
// either way it is kept without asking the identifier.
func (f *langFilter) plainlyIn(line string) bool {
	n, hits := 0, 0
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
		if w := line[i:j]; len(w) <= len(buf) {
			if b, ok := lowerASCII(buf[:0], w); ok {
				if _, hit := f.words[string(b)]; hit {
					hits++
				}
			} else if _, hit := f.words[strings.ToLower(w)]; hit {
				hits++
			}
		}
		i = j
	}
	return n < f.minWords || hits*functionWordShare >= n
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

// excludedShare is the share of the all letters of s that are in one of
// the scripts ex.
func excludedShare(s string, ex []*unicode.RangeTable, all int) float64 {
	n := 0
	for _, r := range s {
		if r >= utf8.RuneSelf && unicode.IsOneOf(ex, r) {
			n++
		}
	}
	return share(n, all)
}

// scriptCount counts the letters of s in script and all its letters.
// latin says script is unicode.Latin, whose ASCII letters are counted
// without a table lookup.
func scriptCount(s string, script *unicode.RangeTable, latin bool) (in, all int) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
				all++
				if latin {
					in++
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) && unicode.Is(script, r) {
			all++
			if unicode.Is(script, r) {
				in++
			}
		}
	}
	return in, all
}
