package langs

import (
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		code string
		seg  Segmenter
		ok   bool
	}{
		{"ja", SegmentKagome, true}, {"zh", SegmentChinese, true}, {"de", SegmentUAX29, true},
		{"th", SegmentParagraphs, true}, {"xx", 0, false}, {"", 0, false}, {"DE", 0, false},
	} {
		l, err := Lookup(tc.code)
		if !tc.ok {
			if err == nil || !strings.Contains(err.Error(), "ja, ko") {
				t.Errorf("Lookup(%q): err %v, want one listing the codes", tc.code, err)
			}
			continue
		}
		if err != nil || l.Segmenter != tc.seg {
			t.Errorf("Lookup(%q) = %+v, %v", tc.code, l, err)
		}
	}
}

// TestTable checks every language has trailing headings, a script and a
// share, and that every language the identifier checks has function words.
func TestTable(t *testing.T) {
	top20 := strings.Fields("en ceb de fr sv nl ru es it arz pl ja zh vi uk war ar pt fa ca")
	for _, c := range top20 {
		if _, err := Lookup(c); err != nil {
			t.Errorf("top-20 Wikipedia %s missing: %v", c, err)
		}
	}
	for _, l := range All() {
		if len(l.Trailing) == 0 || l.Script == nil || l.Share <= 0 || l.Share > 1 || l.Name == "" {
			t.Errorf("%s: incomplete entry %+v", l.Code, l)
		}
		if l.Identify != "" && len(l.Words()) == 0 {
			t.Errorf("%s: identified but no function words", l.Code)
		}
		for _, h := range l.Trailing {
			if h != strings.TrimSpace(h) || h == "" {
				t.Errorf("%s: heading %q has spaces around it", l.Code, h)
			}
		}
	}
}
