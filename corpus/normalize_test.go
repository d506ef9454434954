package corpus

import (
	"strconv"
	"testing"
)

func TestNormalize(t *testing.T) {
	all := DefaultNormalizeOptions()
	tests := []struct {
		name        string
		opts        func(*NormalizeOptions)
		in, want    string
		invalid     int64
		controls    int64
		spaces      int64
		nfkcChanged bool
	}{
		{"full-width ascii", nil, "ＡＢＣ１２３！", "ABC123!", 0, 0, 0, true},
		{"half-width katakana", nil, "ｶﾀｶﾅﾃﾞｽ", "カタカナデス", 0, 0, 0, true},
		{"already normal", nil, "日本語の文です。", "日本語の文です。", 0, 0, 0, false},
		{"crlf and cr", nil, "一\r\n二\r三\u2028四", "一\n二\n三\n四", 0, 0, 0, false},
		{"zero width and bom", nil, "\ufeff日本\u200b語\u200dです\u00ad。\u2060\ufff9…", "日本語です。...", 0, 6, 0, true},
		{"controls", nil, "a\x00b\x1bc\x7fd\u0085e", "abcd\ne", 0, 3, 0, false},
		{"space runs", nil, "  東京　　都 \t 港区  \n  次の行 ", "東京 都 港区\n次の行", 0, 0, 10, true},
		{"space runs without nfkc", func(o *NormalizeOptions) { o.NFKC = false }, "東京　　都\u00a0 港区", "東京 都 港区", 0, 0, 2, false},
		{"invalid utf8", nil, "壊\xffれ\xe3\x81た", "壊\ufffdれ\ufffd\ufffdた", 3, 0, 0, false},
		{"no nfkc", func(o *NormalizeOptions) { o.NFKC = false }, "ＡＢＣ", "ＡＢＣ", 0, 0, 0, false},
		{"no newlines", func(o *NormalizeOptions) { o.Newlines = false; o.StripControls = false }, "a\r\nb", "a\r\nb", 0, 0, 0, false},
		{"no strip", func(o *NormalizeOptions) { o.StripControls = false }, "a\u200bb", "a\u200bb", 0, 0, 0, false},
		{"no collapse", func(o *NormalizeOptions) { o.CollapseSpaces = false }, " a  b ", " a  b ", 0, 0, 0, false},
		{"compatibility forms", nil, "①㈱…ｰ", "1(株)...ー", 0, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := all
			if tt.opts != nil {
				tt.opts(&o)
			}
			n := normalizer{opts: o}
			var st normStats
			got := string(n.normalize(tt.in, &st))
			if got != tt.want {
				t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if st.invalidUTF8 != tt.invalid || st.controlsRemoved != tt.controls || st.spacesRemoved != tt.spaces || st.nfkcChanged != tt.nfkcChanged {
				t.Errorf("stats %+v, want invalid %d controls %d spaces %d nfkc %v", st, tt.invalid, tt.controls, tt.spaces, tt.nfkcChanged)
			}
		})
	}
}

func TestRemoveEmptyBrackets(t *testing.T) {
	tests := []struct {
		in, want string
		n        int
	}{
		{"東京（）は首都", "東京は首都", 1},
		{"東京 () は首都", "東京 は首都", 1},
		{"カタカナ（、）は", "カタカナは", 1},
		{"語（ ・ ；）と", "語と", 1},
		{"入れ子((（）))だ", "入れ子だ", 3},
		{"読み（とうきょう）は残る", "読み（とうきょう）は残る", 0},
		{"(a)", "(a)", 0},
		{"閉じない（", "閉じない（", 0},
		{"(, )(;)", "", 2},
	}
	for _, tt := range tests {
		got, n := removeEmptyBrackets(tt.in)
		if got != tt.want || n != tt.n {
			t.Errorf("removeEmptyBrackets(%q) = %q, %d; want %q, %d", tt.in, got, n, tt.want, tt.n)
		}
	}
}

func TestHeadingMatch(t *testing.T) {
	h := newHeadingSet(DefaultTrailingSections, true)
	for line, want := range map[string]bool{
		"脚注": true, " 参考文献 ": true, "== 関連項目 ==": true, "===外部リンク===": true,
		"External links": true, "脚注について": false, "本文の脚注": false, "": false,
	} {
		if got := h.match(line); got != want {
			t.Errorf("match(%q) = %v, want %v", line, got, want)
		}
	}
	if newHeadingSet(nil, true).match("脚注") {
		t.Error("empty set matched")
	}
}

func TestJapaneseShare(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"日本語の文です。", 1},
		{"Mount Fuji is high.", 0},
		{"Appleは米国の企業", 6.0 / 11},
		{"1990年", 1},
		{"12345", 0},
		{"ｶﾀｶﾅ abcd", 0.5},
	}
	for _, tt := range tests {
		if got := JapaneseShare(tt.in); got != tt.want {
			t.Errorf("JapaneseShare(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestHashSet(t *testing.T) {
	s := newHashSet()
	defer s.free()
	for i := range 200000 {
		h := hash64(strconv.Itoa(i) + "文")
		if !s.add(h) {
			t.Fatalf("collision or false duplicate at %d", i)
		}
	}
	if s.add(hash64("5文")) {
		t.Error("repeat not found")
	}
	if !s.add(0) || s.add(0) {
		t.Error("zero hash")
	}
	if s.Len() != 200001 {
		t.Errorf("len %d", s.Len())
	}
	if hash64("abc") == hash64("abd") || hash64("") == hash64("\x00") || hash64("0123456789abcdef") == hash64("0123456789abcdeg") {
		t.Error("hash64 collides on near inputs")
	}
}
