package synth

import "unicode"

// splitGPT2 splits text into the words GPT-2's pre-tokenizer regex yields:
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// following llama.cpp's hand-written matcher for that expression
// (unicode_regex_split_custom_gpt2). BPE merges never cross these words, so
// training on them gives merges the tokenizer can use. Character classes
// come from Go's unicode tables, which may differ from llama.cpp's for rare
// code points; that only changes which merges are learned, never whether
// text tokenizes.
func splitGPT2(text string) []string {
	cpts := []rune(text)
	n := len(cpts)
	at := func(i int) rune {
		if i < n {
			return cpts[i]
		}
		return -1
	}
	isL := func(i int) bool { return i < n && unicode.IsLetter(cpts[i]) }
	isN := func(i int) bool { return i < n && unicode.IsNumber(cpts[i]) }
	isS := func(i int) bool { return i < n && unicode.IsSpace(cpts[i]) }
	isO := func(i int) bool { return i < n && !isL(i) && !isN(i) && !isS(i) }

	var words []string
	prev := 0
	emit := func(end int) {
		if end > prev {
			words = append(words, string(cpts[prev:end]))
		}
		prev = end
	}
	for pos := 0; pos < n; {
		c := cpts[pos]
		if c == '\'' && pos+1 < n {
			next := at(pos + 1)
			if next == 's' || next == 't' || next == 'm' || next == 'd' {
				pos += 2
				emit(pos)
				continue
			}
			if pos+2 < n {
				nn := at(pos + 2)
				if (next == 'r' && nn == 'e') || (next == 'v' && nn == 'e') || (next == 'l' && nn == 'l') {
					pos += 3
					emit(pos)
					continue
				}
			}
		}
		p := pos
		if c == ' ' {
			p = pos + 1
		}
		switch {
		case isL(p):
			for pos = p; isL(pos); pos++ {
			}
			emit(pos)
			continue
		case isN(p):
			for pos = p; isN(pos); pos++ {
			}
			emit(pos)
			continue
		case isO(p):
			for pos = p; isO(pos); pos++ {
			}
			emit(pos)
			continue
		}
		ws := 0
		for isS(pos + ws) {
			ws++
		}
		if ws > 1 && pos+ws < n {
			pos += ws - 1
			emit(pos)
			continue
		}
		if ws > 0 {
			pos += ws
			emit(pos)
			continue
		}
		pos++
		emit(pos)
	}
	return words
}
