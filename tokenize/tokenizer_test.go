package tokenize

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/calibkit/calibkit/tokenize/internal/jagen"
)

func newTestTokenizer(t testing.TB, opts ...TokenizerOption) *Tokenizer {
	t.Helper()
	tk, err := NewTokenizer(opts...)
	if err != nil {
		t.Fatalf("NewTokenizer: %v", err)
	}
	return tk
}

func TestWakati(t *testing.T) {
	tk := newTestTokenizer(t)
	cases := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"すもももももももものうち", []string{"すもも", "も", "もも", "も", "もも", "の", "うち"}},
		{"公園に行った。", []string{"公園", "に", "行っ", "た", "。"}},
		{"東京 に　行く\t", []string{"東京", "に", "行く"}}, // whitespace is not a morpheme
		{"ＡＢＣとｶﾀｶﾅ", []string{"ＡＢＣ", "と", "ｶﾀｶﾅ"}},
	}
	for _, tc := range cases {
		if got := tk.Wakati(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Wakati(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got, want := string(tk.AppendWakati([]byte(">"), tc.in)), ">"+strings.Join(tc.want, " "); got != want {
			t.Errorf("AppendWakati(%q) = %q, want %q", tc.in, got, want)
		}
	}
}

func TestMorphemes(t *testing.T) {
	tk := newTestTokenizer(t)
	got := tk.Morphemes("公園に行っ たＸＹＺ")
	want := []Morpheme{
		{Surface: "公園", POS: []string{"名詞", "一般", "*", "*"}, BaseForm: "公園", Reading: "コウエン", Pronunciation: "コーエン", Known: true,
			Features: []string{"名詞", "一般", "*", "*", "*", "*", "公園", "コウエン", "コーエン"}},
		{Surface: "に", POS: []string{"助詞", "格助詞", "一般", "*"}, BaseForm: "に", Reading: "ニ", Pronunciation: "ニ", Known: true,
			Features: []string{"助詞", "格助詞", "一般", "*", "*", "*", "に", "ニ", "ニ"}},
		{Surface: "行っ", POS: []string{"動詞", "自立", "*", "*"}, BaseForm: "行く", Reading: "イッ", Pronunciation: "イッ", Known: true,
			Features: []string{"動詞", "自立", "*", "*", "五段・カ行促音便", "連用タ接続", "行く", "イッ", "イッ"}},
		{Surface: "た", POS: []string{"助動詞", "*", "*", "*"}, BaseForm: "た", Reading: "タ", Pronunciation: "タ", Known: true,
			Features: []string{"助動詞", "*", "*", "*", "特殊・タ", "基本形", "た", "タ", "タ"}},
		{Surface: "ＸＹＺ", POS: []string{"名詞", "固有名詞", "組織", "*"}, BaseForm: "ＸＹＺ",
			Features: []string{"名詞", "固有名詞", "組織", "*", "*", "*", "*"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Morphemes:\n got %+v\nwant %+v", got, want)
	}
}

func TestAppendPOS(t *testing.T) {
	tk := newTestTokenizer(t)
	got := string(tk.AppendPOS(nil, "公園に 行く"))
	want := "公園\t名詞,一般,*,*,*,*,公園,コウエン,コーエン\n" +
		"に\t助詞,格助詞,一般,*,*,*,に,ニ,ニ\n" +
		"行く\t動詞,自立,*,*,五段・カ行促音便,基本形,行く,イク,イク\n"
	if got != want {
		t.Errorf("AppendPOS:\n got %q\nwant %q", got, want)
	}
}

func TestUserDictFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "user.txt")
	if err := os.WriteFile(path, []byte("日本経済新聞,日本 経済 新聞,ニホン ケイザイ シンブン,カスタム名詞\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tk := newTestTokenizer(t, TokenizerNop(), UserDictFile(path))
	if tk.lat != nil {
		t.Fatal("with a user dictionary kagome's tokenizer must run")
	}
	// In Normal mode a user entry is one morpheme.
	if got, want := tk.Wakati("日本経済新聞を読む"), []string{"日本経済新聞", "を", "読む"}; !reflect.DeepEqual(got, want) {
		t.Errorf("with user dictionary: Wakati = %q, want %q", got, want)
	}
	if got, want := string(tk.AppendPOS(nil, "日本経済新聞を")), "日本経済新聞\tカスタム名詞,日本/経済/新聞,ニホン/ケイザイ/シンブン\nを\t助詞,格助詞,一般,*,*,*,を,ヲ,ヲ\n"; got != want {
		t.Errorf("with user dictionary: AppendPOS = %q, want %q", got, want)
	}
	m := tk.Morphemes("日本経済新聞")
	if len(m) != 1 || m[0].POS[0] != "カスタム名詞" || m[0].Reading != "ニホン/ケイザイ/シンブン" || !m[0].Known {
		t.Errorf("user entry morpheme = %+v", m)
	}
	if _, err := NewTokenizer(UserDictFile(filepath.Join(t.TempDir(), "missing.txt"))); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing user dictionary: err = %v, want one naming the file", err)
	}
}

// A line longer than maxAnalyzeBytes is analysed in pieces cut at sentence
// ends; nothing is lost or reordered.
func TestWakatiLongLine(t *testing.T) {
	tk := newTestTokenizer(t)
	sent := "東京は日本の首都である。"
	long := strings.Repeat(sent, maxAnalyzeBytes/len(sent)*3)
	got := tk.Wakati(long)
	one := tk.Wakati(sent)
	if len(got) != len(one)*(len(long)/len(sent)) || strings.Join(got, "") != long {
		t.Fatalf("long line: %d morphemes, joined length %d; want %d and %d", len(got), len(strings.Join(got, "")), len(one)*(len(long)/len(sent)), len(long))
	}
	// A line with no delimiter or space at all is cut at rune boundaries.
	noBreak := strings.Repeat("あ", maxAnalyzeBytes)
	if strings.Join(tk.Wakati(noBreak), "") != noBreak {
		t.Fatal("long line without breaks lost text")
	}
}

func TestCutPoint(t *testing.T) {
	cases := []struct {
		text  string
		limit int
		want  int
	}{
		{"あいう。えお", 12, 12},  // after 。 (bytes 9..12)
		{"あいうえお", 7, 6},     // back to a rune start
		{"abc def", 5, 4},   // after the space
		{"あいうえお", 1, 3},     // at least one rune
		{"文。\xffさらに", 8, 6}, // invalid byte: still a boundary of the input
	}
	for _, tc := range cases {
		if got := cutPoint(tc.text, tc.limit); got != tc.want {
			t.Errorf("cutPoint(%q, %d) = %d, want %d", tc.text, tc.limit, got, tc.want)
		}
	}
}

func TestTokenizerConcurrent(t *testing.T) {
	tk := newTestTokenizer(t)
	want := tk.Wakati("公園に行った。東京は晴れ。")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				if got := tk.Wakati("公園に行った。東京は晴れ。"); !reflect.DeepEqual(got, want) {
					t.Errorf("concurrent Wakati = %q", got)
					return
				}
			}
		})
	}
	wg.Wait()
}

// WakatiOnly loads a smaller dictionary but segments the same way.
func TestWakatiOnly(t *testing.T) {
	small := newTestTokenizer(t, WakatiOnly())
	full := newTestTokenizer(t)
	for _, line := range strings.Split(jagen.String(50_000, 3), "\n") {
		if got, want := small.Wakati(line), full.Wakati(line); !reflect.DeepEqual(got, want) {
			t.Fatalf("WakatiOnly: %q\n got %q\nwant %q", line, got, want)
		}
	}
	for _, m := range small.Morphemes("公園に行った") {
		if len(m.POS) == 0 || m.BaseForm == "" {
			t.Errorf("WakatiOnly morpheme %+v: POS and BaseForm must be set", m)
		}
	}
}

// isAllSpace's fast path must agree with unicode.IsSpace for every rune.
func TestIsAllSpaceEveryRune(t *testing.T) {
	slow := func(s string) bool {
		for _, r := range s {
			if !unicode.IsSpace(r) {
				return false
			}
		}
		return true
	}
	check := func(s string) {
		if got, want := isAllSpace(s), slow(s); got != want {
			t.Errorf("isAllSpace(%q) = %v, want %v", s, got, want)
		}
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		check(string(r))
		check(string(r) + " ")
	}
	for b := 0; b < 256; b++ {
		check(string([]byte{byte(b)}))
	}
	check("")
	check(" \u3000\t")
}
