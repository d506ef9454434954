package corpus

import (
	"testing"
	"unicode/utf8"
)

func TestRemoveEmptyBracketItems(t *testing.T) {
	tests := []struct {
		in, want string
		n        int
	}{
		{"東京都(とうきょうと、英: )は首都。", "東京都(とうきょうと)は首都。", 1},
		{"大阪(おおさか、)は都市。", "大阪(おおさか)は都市。", 1},
		{"京都(、きょうと)は古都。", "京都(きょうと)は古都。", 1},
		{"札幌(英語: )は都市。", "札幌()は都市。", 1},
		{"東京（とうきょう、英：）は首都。", "東京（とうきょう）は首都。", 1},
		{"東京(英: Tokyo, 仏: )は首都。", "東京(英: Tokyo)は首都。", 1},
		{"語(a, , b)と", "語(a, b)と", 1},
		{"人口(12,345人)は多い。", "人口(12,345人)は多い。", 0},
		{"読み(とうきょう)は残る", "読み(とうきょう)は残る", 0},
		{"例(例: 東京)は残る", "例(例: 東京)は残る", 0},
		{"時刻(10: )は", "時刻(10: )は", 0},        // not a label
		{"入れ子(外(英: )側、)だ", "入れ子(外()側、)だ", 1}, // innermost pairs only
		{"閉じない(英: ", "閉じない(英: ", 0},
		{"(、)(英:)", "(、)()", 1},
		{"(英: , 仏: )", "()", 2},
	}
	for _, tt := range tests {
		got, n := removeEmptyBracketItems(tt.in)
		if got != tt.want || n != tt.n {
			t.Errorf("removeEmptyBracketItems(%q) = %q, %d; want %q, %d", tt.in, got, n, tt.want, tt.n)
		}
	}
}

func TestCleanBrackets(t *testing.T) {
	tests := []struct {
		in, want     string
		pairs, items int
	}{
		{"札幌 (英語: )は都市。", "札幌は都市。", 1, 1},
		{"入れ子(外(英: )側、)だ", "入れ子(外側)だ", 1, 2},
		{"東京(、)(英:)は", "東京は", 2, 1},
		{"東京(とうきょう)は", "東京(とうきょう)は", 0, 0},
	}
	for _, tt := range tests {
		got, pairs, items := cleanBrackets(tt.in)
		if got != tt.want || pairs != tt.pairs || items != tt.items {
			t.Errorf("cleanBrackets(%q) = %q, %d, %d; want %q, %d, %d", tt.in, got, pairs, items, tt.want, tt.pairs, tt.items)
		}
	}
}

func FuzzCleanBrackets(f *testing.F) {
	for _, s := range []string{"東京都(とうきょうと、英: )は", "入れ子(外(英: )側、)だ", "(、)(英:)", "（：）", "((", "a(b,c)d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, pairs, items := cleanBrackets(in)
		if len(got) > len(in) || pairs < 0 || items < 0 {
			t.Fatalf("cleanBrackets(%q) = %q, %d, %d", in, got, pairs, items)
		}
		if pairs+items == 0 && got != in {
			t.Fatalf("cleanBrackets(%q) changed the line to %q without counting it", in, got)
		}
		if utf8.ValidString(in) && !utf8.ValidString(got) {
			t.Fatalf("cleanBrackets(%q) = %q: invalid UTF-8", in, got)
		}
	})
}

// bracketSamples are lines for the fast check: readings, nested pairs,
// both widths, empty items, fillers, unclosed and stray brackets.
var bracketSamples = []string{
	"", "東京都は首都。", "東京都(とうきょうと、英: )は首都。", "大阪(おおさか)は都市。",
	"京都(、きょうと)は古都。", "札幌(英語: )は都市。", "東京（とうきょう、英：）は首都。",
	"人口(12,345人)は多い。", "入れ子(外(英: )側、)だ", "閉じない(英: ", "(、)(英:)",
	"(英: , 仏: )", "空 ( ) と （　） と （、・）", "混在(とうきょう）と（とうきょう)",
	"閉じ)だけ）", "((()))", "(a, , b)", "(/;:)", "語(読み)(、)", "(\xe3(、)",
}

// TestBracketsNeedWork holds the fast check to the slow path: it must say
// yes exactly when cleanBracketsSlow changes the line.
func TestBracketsNeedWork(t *testing.T) {
	for _, s := range bracketSamples {
		checkBracketsNeedWork(t, s)
	}
}

func checkBracketsNeedWork(t *testing.T, s string) {
	t.Helper()
	out, pairs, items := cleanBracketsSlow(s)
	changed := out != s || pairs+items > 0
	if got := bracketsNeedWork(s); got != changed {
		t.Errorf("bracketsNeedWork(%q) = %v; cleanBracketsSlow gives %q, %d pairs, %d items", s, got, out, pairs, items)
	}
	if o, p, i := cleanBrackets(s); o != out || p != pairs || i != items {
		t.Errorf("cleanBrackets(%q) = %q, %d, %d; slow path %q, %d, %d", s, o, p, i, out, pairs, items)
	}
}

func FuzzBracketsNeedWork(f *testing.F) {
	for _, s := range bracketSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // lines are normalized, valid UTF-8
		}
		checkBracketsNeedWork(t, s)
		checkScanLine(t, s)
	})
}

// TestScanLineBrackets holds the bracket check folded into scanLine to
// bracketsNeedWork, and its counts to JapaneseShare's.
func TestScanLineBrackets(t *testing.T) {
	for _, s := range bracketSamples {
		checkScanLine(t, s)
	}
}

func checkScanLine(t *testing.T, s string) {
	t.Helper()
	ja, all, work := scanLine(s, true)
	if want := bracketsNeedWork(s); work != want {
		t.Errorf("scanLine(%q) needs work %v, bracketsNeedWork %v", s, work, want)
	}
	if ja2, all2, _ := scanLine(s, false); ja != ja2 || all != all2 {
		t.Errorf("scanLine(%q) counts %d/%d with brackets, %d/%d without", s, ja, all, ja2, all2)
	}
}
