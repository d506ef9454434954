package corpus

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// collapseSpacesRef is collapseSpaces rune by rune: per line, leading and
// trailing white space goes, and each inner run becomes one space, counting
// all but one of its characters as removed.
func collapseSpacesRef(s string) (string, int64) {
	isWS := func(r rune) bool {
		return r == ' ' || r == '\t' || r >= utf8.RuneSelf && unicode.IsSpace(r)
	}
	var b strings.Builder
	var removed int64
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		rs := []rune(line)
		lo, hi := 0, len(rs)
		for lo < hi && isWS(rs[lo]) {
			lo++
		}
		for hi > lo && isWS(rs[hi-1]) {
			hi--
		}
		removed += int64(lo + len(rs) - hi)
		for j := lo; j < hi; {
			if !isWS(rs[j]) {
				b.WriteRune(rs[j])
				j++
				continue
			}
			k := j
			for k < hi && isWS(rs[k]) {
				k++
			}
			b.WriteByte(' ')
			removed += int64(k - j - 1)
			j = k
		}
	}
	return b.String(), removed
}

var collapseSamples = []string{
	"", " ", "a  b", "\t東京\u3000 都\u3000", "か\u3000な漢字 \n  x\u00a0\u2003y \u205f", "\u1680前\u3000\u3000後 ",
	"全角（かっこ）　と　ｶﾅ", "末尾\u3000", "\u3000", "\u3000x\u3000",
}

func TestCollapseSpacesMatchesRef(t *testing.T) {
	for _, s := range collapseSamples {
		checkCollapse(t, s)
	}
}

func checkCollapse(t *testing.T, s string) {
	t.Helper()
	want, wantN := collapseSpacesRef(s)
	got, n := collapseSpaces([]byte(s))
	if string(got) != want || n != wantN {
		t.Fatalf("collapseSpaces(%+q) = %+q, %d; want %+q, %d", s, got, n, want, wantN)
	}
}

func FuzzCollapseSpaces(f *testing.F) {
	for _, s := range collapseSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // collapseSpaces runs on normalized, valid UTF-8
		}
		checkCollapse(t, s)
	})
}
