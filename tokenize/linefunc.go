package tokenize

// The LineFuncs that calibkit tokenize runs over ProcessLines.

// AppendSentenceLines appends the sentences of line to dst, each followed
// by '\n'; a line without sentences (blank) becomes one empty line, so
// paragraph and document separators survive. It is a LineFunc.
func (s *Splitter) AppendSentenceLines(dst, line []byte) []byte {
	var buf [32]span
	spans := s.appendLine(buf[:0], line, 0)
	if len(spans) == 0 {
		return append(dst, '\n')
	}
	for _, sp := range spans {
		dst = append(dst, line[sp.start:sp.end]...)
		dst = append(dst, '\n')
	}
	return dst
}

// AppendWakatiLine appends line's morphemes separated by spaces and a '\n'
// to dst (an empty line for a blank one). It is a LineFunc.
func (t *Tokenizer) AppendWakatiLine(dst, line []byte) []byte {
	return append(t.AppendWakati(dst, bytesString(line)), '\n')
}

// AppendPOSLine appends one "surface\tfeatures" line per morpheme of line
// and then "EOS\n", as MeCab's default output does. It is a LineFunc.
func (t *Tokenizer) AppendPOSLine(dst, line []byte) []byte {
	return append(t.AppendPOS(dst, bytesString(line)), "EOS\n"...)
}
