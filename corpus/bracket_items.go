package corpus

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxLabelRunes bounds a label such as 英語 or 正式名称 in "英語: …".
const maxLabelRunes = 8

// removeEmptyBracketItems tidies the innermost round brackets of line that
// the dump's template removal left with empty items: a separator with
// nothing before or after it, (とうきょうと、) or (、とうきょうと), and a label
// whose value was removed, (とうきょうと、英: ) or (英語: ). What is left of
// such a pair loses the dropped items and their separators; a pair left
// empty is for removeEmptyBrackets. Pairs with nothing to drop are kept
// byte for byte. It returns the line and the number of items dropped.
func removeEmptyBracketItems(line string) (string, int) {
	if strings.IndexByte(line, '(') < 0 && !strings.Contains(line, "（") {
		return line, 0
	}
	var b strings.Builder
	dropped, last := 0, 0
	for i := 0; i < len(line); {
		r, size := utf8.DecodeRuneInString(line[i:])
		if r != '(' && r != '（' {
			i += size
			continue
		}
		// The innermost pair: no opener before its closer.
		start := i + size
		end := strings.IndexAny(line[start:], "()（）")
		if end < 0 {
			break
		}
		end += start
		if c, _ := utf8.DecodeRuneInString(line[end:]); c != ')' && c != '）' {
			i = end // another opener: look from it
			continue
		}
		inner, n := dropEmptyItems(line[start:end])
		if n > 0 {
			if b.Cap() == 0 {
				b.Grow(len(line))
			}
			b.WriteString(line[last:start])
			b.WriteString(inner)
			last = end
			dropped += n
		}
		i = end
	}
	if dropped == 0 {
		return line, 0
	}
	b.WriteString(line[last:])
	return b.String(), dropped
}

// isItemSeparator reports whether r separates the items inside brackets.
func isItemSeparator(r rune) bool {
	switch r {
	case '、', ',', '，', ';', '；':
		return true
	}
	return false
}

// dropEmptyItems returns s, the inside of a bracket pair, without its empty
// items and empty labels, and how many it dropped; when nothing is left,
// only the labels count (the empty pair is counted when it goes).
func dropEmptyItems(s string) (string, int) {
	// Items and the separator after each (empty after the last).
	type item struct{ text, sep string }
	var buf [8]item
	items := buf[:0]
	from := 0
	for i, r := range s {
		if isItemSeparator(r) {
			items = append(items, item{s[from:i], s[i : i+utf8.RuneLen(r)]})
			from = i + utf8.RuneLen(r)
		}
	}
	items = append(items, item{s[from:], ""})
	if len(items) == 1 && !isEmptyLabel(items[0].text) {
		return s, 0
	}
	// Most brackets hold no empty item: say so before building anything.
	empty := false
	for _, it := range items {
		if isBlankItem(it.text) || isEmptyLabel(it.text) {
			empty = true
			break
		}
	}
	if !empty {
		return s, 0
	}
	var b strings.Builder
	kept, blanks, labels := 0, 0, 0
	pendingSep := ""
	for _, it := range items {
		if strings.TrimFunc(it.text, unicode.IsSpace) == "" {
			blanks++
			continue
		}
		if isEmptyLabel(it.text) {
			labels++
			continue
		}
		text := it.text
		if kept == 0 {
			text = strings.TrimLeftFunc(text, unicode.IsSpace)
		}
		b.WriteString(pendingSep)
		b.WriteString(text)
		pendingSep = it.sep
		kept++
	}
	if kept == 0 && labels == 0 || blanks+labels == 0 {
		// Only separators and spaces (removeEmptyBrackets takes the pair),
		// or nothing to drop.
		return s, 0
	}
	if kept == 0 {
		return "", labels // the pair itself is removeEmptyBrackets' count
	}
	return strings.TrimRightFunc(b.String(), unicode.IsSpace), blanks + labels
}

// isEmptyLabel reports whether item is a label and a colon with no value:
// "英: ", " 英語:", "正式名称：".
func isEmptyLabel(item string) bool {
	t := strings.TrimFunc(item, unicode.IsSpace)
	var label string
	switch {
	case strings.HasSuffix(t, ":"):
		label = t[:len(t)-1]
	case strings.HasSuffix(t, "："):
		label = t[:len(t)-len("：")]
	default:
		return false
	}
	if label == "" || utf8.RuneCountInString(label) > maxLabelRunes {
		return false
	}
	for _, r := range label {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// cleanBrackets drops the empty items of round brackets and then the
// brackets left empty, repeating until neither changes the line, so that
// nested pairs are cleaned from the inside out. It returns the line, the
// pairs removed and the items dropped.
func cleanBrackets(line string) (string, int, int) {
	if !bracketsNeedWork(line) {
		return line, 0, 0
	}
	return cleanBracketsSlow(line)
}

// cleanBracketsSlow is cleanBrackets without the fast check.
func cleanBracketsSlow(line string) (string, int, int) {
	pairs, items := 0, 0
	for {
		var a, b int
		line, a = removeEmptyBracketItems(line)
		line, b = removeEmptyBrackets(line)
		pairs += b
		items += a
		if b == 0 { // no pair went: no new innermost pair to tidy
			return line, pairs, items
		}
	}
}

// isBlankItem reports whether a bracket item holds only white space.
func isBlankItem(s string) bool {
	return strings.TrimFunc(s, unicode.IsSpace) == ""
}

// bracketsNeedWork reports whether cleanBrackets would change line: whether
// some innermost round bracket pair (an opener whose next bracket is a
// closer, of either width) holds only fillers, which removeEmptyBrackets
// takes, or empty items, which removeEmptyBracketItems drops. One byte scan
// settles it for the many lines whose brackets hold readings or notes, so
// that they are not copied and rescanned rune by rune.
func bracketsNeedWork(line string) bool {
	open := -1 // start of the text after the last opener, if no bracket followed it
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == '(':
			i++
			open = i
			continue
		case c == ')':
			if open >= 0 && innerNeedsWork(line[open:i]) {
				return true
			}
			open = -1
			i++
			continue
		case c == 0xEF && i+2 < len(line) && line[i+1] == 0xBC && (line[i+2] == 0x88 || line[i+2] == 0x89):
			if line[i+2] == 0x88 { // （
				i += 3
				open = i
				continue
			}
			if open >= 0 && innerNeedsWork(line[open:i]) { // ）
				return true
			}
			open = -1
			i += 3
			continue
		case c >= 0xE0 && c < 0xF0 && i+2 < len(line) && line[i+1]&0xC0 == 0x80 && line[i+2]&0xC0 == 0x80:
			i += 3 // kana, kanji and the rest of the 3-byte range
			continue
		}
		i++
	}
	return false
}

// innerNeedsWork reports whether the inside of an innermost bracket pair is
// only fillers (an empty pair) or has items to drop.
func innerNeedsWork(s string) bool {
	if isFillerOnly(s) {
		return true
	}
	_, n := dropEmptyItems(s)
	return n > 0
}

// isFillerOnly reports whether s holds only what removeEmptyBracketsOnce
// skips between an opener and its closer.
func isFillerOnly(s string) bool {
	for j := 0; j < len(s); {
		switch {
		case isBracketFiller(s[j]):
			j++
			continue
		case strings.HasPrefix(s[j:], "、"), strings.HasPrefix(s[j:], "，"),
			strings.HasPrefix(s[j:], "；"), strings.HasPrefix(s[j:], "："),
			strings.HasPrefix(s[j:], "・"), strings.HasPrefix(s[j:], "　"):
			j += 3
			continue
		}
		return false
	}
	return true
}
