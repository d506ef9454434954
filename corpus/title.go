package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// titleMarks are the sentence delimiters that, inside an article's title,
// can make the sentence splitter cut the title's own lead sentence apart:
// モーニング娘。は…, けいおん!(けいおん)は…
const titleMarks = "。！？!?｡．.‼⁇⁈⁉"

// titleCutter undoes sentence cuts made inside or right after an
// occurrence of the article's title. Each worker has its own.
type titleCutter struct {
	offs   [][2]int
	joined []string
}

// join returns sents (sentences of line, in order) with each cut that falls
// inside an occurrence of title, or right after one when the next sentence
// begins with hiragana or an opening bracket, undone: the sentences on both
// sides become one substring of line, the whitespace between them kept. The
// result may alias an internal buffer, valid until the next call.
func (c *titleCutter) join(line string, sents []string, title string) []string {
	if len(sents) < 2 || title == "" || !strings.Contains(line, title) {
		return sents
	}
	// Where each sentence lies in line (sentences are in order).
	c.offs = c.offs[:0]
	for cur, i := 0, 0; i < len(sents); i++ {
		k := strings.Index(line[cur:], sents[i])
		if k < 0 {
			return sents // not substrings of line in order: leave them
		}
		c.offs = append(c.offs, [2]int{cur + k, cur + k + len(sents[i])})
		cur += k + len(sents[i])
	}
	c.joined = c.joined[:0]
	start, changed := c.offs[0][0], false
	for j := 0; j+1 < len(sents); j++ {
		end, next := c.offs[j][1], c.offs[j+1][0]
		if spansCut(line, title, end, next) {
			changed = true
			continue
		}
		c.joined = append(c.joined, line[start:end])
		start = next
	}
	if !changed {
		return sents
	}
	return append(c.joined, line[start:c.offs[len(sents)-1][1]])
}

// spansCut reports whether an occurrence of title in line covers the cut
// between a sentence ending at end and the next starting at next.
func spansCut(line, title string, end, next int) bool {
	for from := 0; ; {
		k := strings.Index(line[from:], title)
		if k < 0 {
			return false
		}
		p := from + k
		if p >= end {
			return false
		}
		q := p + len(title)
		if q > next {
			return true // the cut is inside the title
		}
		if q == end {
			// The title ended the sentence: go on when the next one begins
			// as no sentence does, with a particle or a bracket.
			r, _ := utf8.DecodeRuneInString(line[next:])
			return unicode.In(r, unicode.Hiragana) || strings.ContainsRune("(（「『[［", r)
		}
		from = p + 1
	}
}
