package synth

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitGPT2(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Hello world", []string{"Hello", " world"}},
		{"it's we'll they'd", []string{"it", "'s", " we", "'ll", " they", "'d"}},
		{"in 2024, 35 degrees!", []string{"in", " 2024", ",", " 35", " degrees", "!"}},
		{"two  spaces", []string{"two", " ", " spaces"}},
		{"end  ", []string{"end", "  "}},
		{"a\n\nb", []string{"a", "\n", "\n", "b"}},
		{"東京都の人口は、約千四百万人。", []string{"東京都の人口は", "、", "約千四百万人", "。"}},
		{"", nil},
	}
	for _, tt := range tests {
		got := splitGPT2(tt.in)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitGPT2(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Join(got, "") != tt.in {
			t.Errorf("splitGPT2(%q) loses text: %q", tt.in, got)
		}
	}
}
