package tokenize

import (
	"bytes"
	"unicode/utf8"
)

// dialogueCut is the junction of two adjacent quotes of the same kind,
// 「…」「…」: the first one's start and end, and whether to cut there.
type dialogueCut struct {
	start, end int
	cut        bool
}

var (
	ideographicComma = []byte("、")
	fullwidthComma   = []byte("，")
)

// isDialogueOpener reports whether r opens the quotes of dialogue.
func isDialogueOpener(r rune) bool { return r == '「' || r == '『' }

// dialogueCuts appends to dc the junctions of outermost quotes 「…」 (or
// 『…』) followed at once by another of the same kind; a junction is cut
// when either of the two quotes holds a delimiter or a comma (、，): an
// utterance rather than an item of a list. Dialogue often closes a
// line without 。 before 」: 「…伺うんです」「そりゃごもっともだ。…」;
// without these cuts a page of it would be one sentence. Quotes without
// either (「東京」「大阪」など) are a list, not dialogue, and stay together.
func (s *Splitter) dialogueCuts(line []byte, marks []mark, iv []span, dc []dialogueCut) []dialogueCut {
	if len(iv) < 2 {
		return dc
	}
	mi := 0
	hasDelim := func(sp span) bool {
		for mi < len(marks) && int(marks[mi].pos) < sp.start {
			mi++
		}
		for j := mi; j < len(marks) && int(marks[j].pos) < sp.end; j++ {
			if s.delims.has(marks[j].r) {
				return true
			}
		}
		q := line[sp.start:sp.end]
		return bytes.Contains(q, ideographicComma) || bytes.Contains(q, fullwidthComma)
	}
	prevDelim := hasDelim(iv[0])
	for k := 0; k+1 < len(iv); k++ {
		a, b := iv[k], iv[k+1]
		nextDelim := hasDelim(b)
		if a.end == b.start {
			ra, _ := utf8.DecodeRune(line[a.start:])
			rb, _ := utf8.DecodeRune(line[b.start:])
			if isDialogueOpener(ra) && ra == rb {
				dc = append(dc, dialogueCut{a.start, a.end, prevDelim || nextDelim})
			}
		}
		prevDelim = nextDelim
	}
	return dc
}

// appendDialogue appends line[a:b] like appendTrimmed, but when the text
// starts with a run of adjacent quotes, cut first at the run's junctions
// that dc marks for cutting.
func appendDialogue(dst []span, line []byte, a, b, off int, dc []dialogueCut) []span {
	if len(dc) == 0 {
		return appendTrimmed(dst, line, a, b, off)
	}
	at := skipSpace(line, a, b) // where the run's next quote must start
	for _, c := range dc {
		if c.start < at {
			continue
		}
		if c.start > at || c.end >= b {
			break
		}
		if c.cut {
			dst = appendTrimmed(dst, line, a, c.end, off)
			a = c.end
		}
		at = c.end
	}
	return appendTrimmed(dst, line, a, b, off)
}
