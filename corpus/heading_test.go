package corpus

import (
	"reflect"
	"strings"
	"testing"
)

func TestIsHeading(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"概要", true},
		{"歴史", true},
		{"江戸時代の東京", true},
		{"== 生い立ち ==", true},
		{"主な作品", true},
		{"東京タワー(Tokyo Tower)", true},
		{"See also", true},
		{"都庁所在地は新宿区。", false},
		{"人口は約1400万人で、日本最大の都市である", false}, // a comma: prose
		{"本当に?", false},
		{"https://example.com", false},
		{"It works.", false},
		{"भारत एक देश है।", false}, // a danda: prose
		{"مدينة كبيرة؟", false},    // an Arabic question mark
		{"Είναι μεγάλη;", false},   // the Greek question mark, after NFKC
		{"Geschichte", true},
		{strings.Repeat("見", HeadingMaxChars+1), false}, // too long for a heading
		{strings.Repeat("見", HeadingMaxChars), true},
	}
	for _, tt := range tests {
		if got := isHeading(tt.line); got != tt.want {
			t.Errorf("isHeading(%q) = %v, want %v (%d characters)", tt.line, got, tt.want, countRunes(tt.line))
		}
	}
}

// Wikipedia dumps keep section headings as lines of their own; with
// DropHeadings (the default) they do not reach the output.
func TestCleanerDropsHeadings(t *testing.T) {
	doc := Document{ID: "1", Title: "東京都", Text: "東京都（とうきょうと）は日本の首都。\n\n概要\n東京都は23区から成る。\n\n歴史 \n江戸は東京と改称された。\n\n脚注\n^ 注記"}
	tests := []struct {
		name         string
		drop         bool
		want         [][]string
		wantHeadings int64
	}{
		{"dropped", true, [][]string{{"東京都(とうきょうと)は日本の首都。"}, {"東京都は23区から成る。"}, {"江戸は東京と改称された。"}}, 2},
		{"kept", false, [][]string{{"東京都(とうきょうと)は日本の首都。"}, {"概要"}, {"東京都は23区から成る。"}, {"歴史"}, {"江戸は東京と改称された。"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := DefaultOptions()
			opts.Clean.DropHeadings = tt.drop
			c, err := NewCleaner(opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Clean(doc); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Clean = %q, want %q", got, tt.want)
			}
			if st := c.Stats(); st.Removed.HeadingLines != tt.wantHeadings {
				t.Errorf("heading lines removed %d, want %d", st.Removed.HeadingLines, tt.wantHeadings)
			}
		})
	}
}

// TestHeadingWithFormatCharacter: a Persian heading holding a zero-width
// non-joiner matches the line --strip-controls leaves.
func TestHeadingWithFormatCharacter(t *testing.T) {
	h := newHeadingSet([]string{"یادداشت\u200cها"}, true)
	if !h.match("یادداشتها") || !h.match("یادداشت\u200cها") {
		t.Error("Persian heading not matched with and without its ZWNJ")
	}
}
