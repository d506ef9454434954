package tokenize

// matchBrackets appends to iv the outermost bracket pairs among marks that
// close on the line, as byte ranges from opener to past closer, in order. A
// closer matches the nearest open bracket of its kind; brackets opened after
// that one are left unclosed.
func (s *Splitter) matchBrackets(marks []mark, iv []span) []span {
	type opener struct{ kind, pos int }
	var (
		stBuf [16]opener
		st    = stBuf[:0]
		nOpen [maxBracketPairs]int32
	)
	for _, m := range marks {
		if !s.brackets.has(m.r) {
			continue
		}
		i, size := int(m.pos), int(m.size)
		kind, isOpen := s.openKind[m.r]
		ck, isClose := s.closeKind[m.r]
		// A quote that both opens and closes closes when one is open.
		if isOpen && !(isClose && nOpen[ck] > 0) {
			st = append(st, opener{kind, i})
			nOpen[kind]++
		} else if kind := ck; isClose && nOpen[kind] > 0 {
			j := len(st) - 1
			for st[j].kind != kind {
				j--
			}
			for _, o := range st[j:] {
				nOpen[o.kind]--
			}
			pair := span{st[j].pos, i + size}
			st = st[:j]
			// Drop the pairs this one encloses: iv stays sorted and disjoint.
			for len(iv) > 0 && iv[len(iv)-1].start > pair.start {
				iv = iv[:len(iv)-1]
			}
			iv = append(iv, pair)
		}
	}
	return iv
}
