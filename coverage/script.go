package coverage

import (
	"sort"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/calibkit/calibkit/internal/llama"
)

// Script classes that are not Unicode script names.
const (
	// ScriptSpecial holds control, unknown and unused tokens and tokens
	// whose text is empty: they are left out of every share.
	ScriptSpecial = "special"
	// ScriptByte holds byte-fallback tokens (<0xNN>) and byte-level BPE
	// fragments whose bytes are not valid UTF-8 on their own.
	ScriptByte = "byte"
	// ScriptCommon holds tokens made only of characters of no script:
	// spaces, digits, punctuation, symbols (Unicode's Common and Inherited).
	ScriptCommon = "common"
	// ScriptKana joins Hiragana and Katakana.
	ScriptKana = "kana"
)

// firstScripts are tried before the rest of Unicode's scripts, most used
// first; Hiragana and Katakana are reported together as kana.
var firstScripts = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Latin", unicode.Latin},
	{"Han", unicode.Han},
	{ScriptKana, unicode.Hiragana},
	{ScriptKana, unicode.Katakana},
	{"Hangul", unicode.Hangul},
	{"Cyrillic", unicode.Cyrillic},
	{"Arabic", unicode.Arabic},
	{"Devanagari", unicode.Devanagari},
	{"Thai", unicode.Thai},
	{"Greek", unicode.Greek},
	{"Hebrew", unicode.Hebrew},
}

// otherScripts lists the remaining Unicode scripts by name, for a stable
// lookup order.
var otherScripts = sync.OnceValue(func() []string {
	var names []string
	for name := range unicode.Scripts {
		if name == "Common" || name == "Inherited" {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
})

// runeScript returns the script class of r, "" for a character of no
// script (Common or Inherited, or unassigned).
func runeScript(r rune) string {
	if r < 0x80 {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
			return "Latin"
		}
		return ""
	}
	for _, s := range firstScripts {
		if unicode.Is(s.table, r) {
			return s.name
		}
	}
	if unicode.Is(unicode.Common, r) || unicode.Is(unicode.Inherited, r) {
		return ""
	}
	for _, name := range otherScripts() {
		if unicode.Is(unicode.Scripts[name], r) {
			return name
		}
	}
	return ""
}

// PieceScript returns the script class of a vocabulary entry: ScriptSpecial
// for control, unknown and unused tokens and empty pieces; ScriptByte for
// byte tokens and pieces that are not valid UTF-8; otherwise the script of
// most of the piece's letters (ties to the one met first), or ScriptCommon
// when no character of it has a script.
func PieceScript(e llama.VocabEntry) string {
	switch {
	case e.Attr&(llama.AttrControl|llama.AttrUnknown|llama.AttrUnused) != 0 || e.Piece == "":
		return ScriptSpecial
	case e.Attr&llama.AttrByte != 0 || !utf8.ValidString(e.Piece):
		return ScriptByte
	}
	var names [4]string
	var counts [4]int
	n := 0
	best := -1
	for _, r := range e.Piece {
		s := runeScript(r)
		if s == "" {
			continue
		}
		i := 0
		for i < n && names[i] != s {
			i++
		}
		if i == n {
			if n == len(names) {
				continue
			}
			names[n] = s
			n++
		}
		counts[i]++
		if best < 0 || counts[i] > counts[best] {
			best = i
		}
	}
	if best < 0 {
		return ScriptCommon
	}
	return names[best]
}
