package tokenize

import (
	"bufio"
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func newTestSplitter(t testing.TB, opts ...SplitterOption) *Splitter {
	t.Helper()
	s, err := NewSplitter(opts...)
	if err != nil {
		t.Fatalf("NewSplitter: %v", err)
	}
	return s
}

var splitterCases = []struct {
	name string
	in   string
	want []string
}{
	{"empty", "", nil},
	{"blank lines only", " \n\t\n　\r\n", nil},
	{"two sentences", "今日は晴れ。明日は雨。", []string{"今日は晴れ。", "明日は雨。"}},
	{"no final punctuation", "今日は晴れ。明日は雨", []string{"今日は晴れ。", "明日は雨"}},
	{"exclamation and question", "本当ですか？本当です！やった！？", []string{"本当ですか？", "本当です！", "やった！？"}},
	{"half-width ascii marks after NFKC", "すごい!本当?うん。", []string{"すごい!", "本当?", "うん。"}},
	{"ascii question then digit", "本当?3人が来た!Aさんも。", []string{"本当?", "3人が来た!", "Aさんも。"}},
	{"japanese period then digit after NFKC", "試合が終わった.3人は帰った.", []string{"試合が終わった.", "3人は帰った."}},
	{"exclamation inside a latin word", "Yahoo!JAPANで検索した。", []string{"Yahoo!JAPANで検索した。"}},
	{"exclamation after a latin name", "Yahoo!ニュースで読んだ。OK!と彼は言った。", []string{"Yahoo!ニュースで読んだ。", "OK!と彼は言った。"}},
	{"exclamation after a latin word then space", "Wait! Now. Yahoo! JAPAN", []string{"Wait!", "Now.", "Yahoo!", "JAPAN"}},
	{"exclamation after japanese then katakana", "すごい!ニュースだ。", []string{"すごい!", "ニュースだ。"}},
	{"half-width katakana period", "ｶﾀｶﾅ｡次の文｡", []string{"ｶﾀｶﾅ｡", "次の文｡"}},
	{"full-width period", "これは文．次の文．", []string{"これは文．", "次の文．"}},
	{"full-width decimal", "円周率は３．１４です．", []string{"円周率は３．１４です．"}},
	{"closing quote kept", "「はい。」「いいえ。」", []string{"「はい。」", "「いいえ。」"}},
	{"quote with inner punctuation", "「はい。そうです。」と彼は言った。", []string{"「はい。そうです。」と彼は言った。"}},
	{"quote then new sentence", "「はい。」彼は頷いた。", []string{"「はい。」", "彼は頷いた。"}},
	{"quote then って", "「嫌だ！」って言った。次。", []string{"「嫌だ！」って言った。", "次。"}},
	// Words after a closing bracket that continue the sentence but begin
	// with a character that also begins sentences: matched whole.
	{"quote then だった", "彼の口癖は「なるほど。」だった。次。", []string{"彼の口癖は「なるほど。」だった。", "次。"}},
	{"quote then です", "合言葉は「山。」です。", []string{"合言葉は「山。」です。"}},
	{"quote then など", "「はい。」などと答えた。", []string{"「はい。」などと答えた。"}},
	{"quote then まで", "「終わり。」まで読んだ。", []string{"「終わり。」まで読んだ。"}},
	{"quote then copula at the end", "答えは「否。」だ。次。", []string{"答えは「否。」だ。", "次。"}},
	{"quote then だが starts a sentence", "「はい。」だが彼は黙った。", []string{"「はい。」", "だが彼は黙った。"}},
	{"quote then また starts a sentence", "「はい。」また彼は黙った。", []string{"「はい。」", "また彼は黙った。"}},
	// Dialogue: adjacent quotes with a delimiter or comma in them are
	// utterances, cut between even when no delimiter precedes 」.
	{"dialogue without final delimiters", "「そうですか、伺います」「そりゃどうも。助かります」「いいえ」",
		[]string{"「そうですか、伺います」", "「そりゃどうも。助かります」", "「いいえ」"}},
	{"dialogue run then narration", "「行くのかい、君」「行くさ」と彼は言った。", []string{"「行くのかい、君」", "「行くさ」と彼は言った。"}},
	{"list of quoted words stays", "「東京」「大阪」などの都市がある。", []string{"「東京」「大阪」などの都市がある。"}},
	{"quotes inside a sentence stay", "彼は「来た、見た」「勝った」と書いた。", []string{"彼は「来た、見た」「勝った」と書いた。"}},
	{"double quotes dialogue", "『まさか、そんな』『本当だ。』", []string{"『まさか、そんな』", "『本当だ。』"}},
	{"different quote kinds not cut", "「ええ、そう」『本当だ。』", []string{"「ええ、そう」『本当だ。』"}},
	{"nested brackets", "彼は「『本当。』と書いた。」と述べた。続き。", []string{"彼は「『本当。』と書いた。」と述べた。", "続き。"}},
	{"reading in brackets", "東京（とうきょう）は日本の首都である。人口は多い。", []string{"東京（とうきょう）は日本の首都である。", "人口は多い。"}},
	{"punctuation inside parentheses", "東京都（とうきょうと。旧称は東京府）は首都。次。", []string{"東京都（とうきょうと。旧称は東京府）は首都。", "次。"}},
	{"parenthetical sentence", "本文。（詳細は後述。）次の文。", []string{"本文。", "（詳細は後述。）", "次の文。"}},
	{"unclosed bracket ignored", "「閉じない。次の文。", []string{"「閉じない。", "次の文。"}},
	{"stray closer", "閉じ」だけ。次。", []string{"閉じ」だけ。", "次。"}},
	{"mismatched brackets", "（あ「い。）う」。え。", []string{"（あ「い。）", "う」。", "え。"}},
	{"full-width ascii", "ＡＢＣは会社。ＸＹＺも。", []string{"ＡＢＣは会社。", "ＸＹＺも。"}},
	{"half-width katakana", "ｶﾀｶﾅの文。ﾃｽﾄ。", []string{"ｶﾀｶﾅの文。", "ﾃｽﾄ。"}},
	{"english", "Hello world. This is a pen! Is it? Yes.", []string{"Hello world.", "This is a pen!", "Is it?", "Yes."}},
	{"english decimals and urls", "Pi is 3.14 and see example.com today. Done.", []string{"Pi is 3.14 and see example.com today.", "Done."}},
	{"english abbreviations", "Mr. Smith met Dr. Jones in the U.S. last year. J. R. R. Tolkien wrote it. See Fig. 3 now.", []string{"Mr. Smith met Dr. Jones in the U.S. last year.", "J. R. R. Tolkien wrote it.", "See Fig. 3 now."}},
	{"english quotes", `He said "Stop." Then he left.`, []string{`He said "Stop."`, "Then he left."}},
	{"english quote with inner punctuation", `He said "Stop. Now." Then he left.`, []string{`He said "Stop. Now."`, "Then he left."}},
	{"unbalanced ascii quote ignored", `A "bc. Cd. De.`, []string{`A "bc.`, "Cd.", "De."}},
	{"ascii quotes after NFKC", `"はい。そうです。"と彼は言った。次。`, []string{`"はい。そうです。"と彼は言った。`, "次。"}},
	{"numbered heading", "1. 概要\n2.歴史の概要。次。\n12. Intro. Then.", []string{"1. 概要", "2.歴史の概要。", "次。", "12. Intro.", "Then."}},
	{"number ends a sentence after words", "答えは1.次の問い。", []string{"答えは1.", "次の問い。"}},
	{"dot files and relative paths", "設定は~/.config/app.yamlに置く。次に./run.shを実行する。", []string{"設定は~/.config/app.yamlに置く。", "次に./run.shを実行する。"}},
	{"period after a path character then space ends", "パスは~/. 次の文。", []string{"パスは~/.", "次の文。"}},
	{"number then period ends", "The year was 1999. Then 2000 came.", []string{"The year was 1999.", "Then 2000 came."}},
	{"ellipsis of periods", "Wait... What?", []string{"Wait...", "What?"}},
	{"whitespace inside kept", "前半　と 後半\tの文。 次  の文。", []string{"前半　と 後半\tの文。", "次  の文。"}},
	{"leading and trailing whitespace dropped", "　 全角空白で始まる。  ", []string{"全角空白で始まる。"}},
	{"newline is a boundary", "一行目で終わらない\n二行目。", []string{"一行目で終わらない", "二行目。"}},
	{"crlf", "一行目。\r\n二行目。\r\n", []string{"一行目。", "二行目。"}},
	{"blank lines between", "一。\n\n\n二。", []string{"一。", "二。"}},
	{"only punctuation", "。。。", []string{"。。。"}},
	{"mixed japanese english", "GitHubはサービス。It is popular. 多くの人が使う。", []string{"GitHubはサービス。", "It is popular.", "多くの人が使う。"}},
}

func TestSentences(t *testing.T) {
	s := newTestSplitter(t)
	for _, tc := range splitterCases {
		t.Run(tc.name, func(t *testing.T) {
			got := s.Sentences(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Sentences(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			checkInvariants(t, tc.in, got)
		})
	}
}

func TestSentencesLongWithoutPunctuation(t *testing.T) {
	s := newTestSplitter(t)
	long := strings.Repeat("句読点のない非常に長い文が続いて", 200) // 3200 runes, kagome's default would cut at 128
	got := s.Sentences(long + "。次。")
	want := []string{long + "。", "次。"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("long sentence was cut: %d sentences, first has %d runes", len(got), utf8.RuneCountInString(got[0]))
	}
	if got := s.Sentences(long); len(got) != 1 || got[0] != long {
		t.Fatalf("long line without punctuation: got %d sentences", len(got))
	}
}

// The splitter hands the bytes of a string to kagome; kagome must not write to them.
func TestKagomeDoesNotWrite(t *testing.T) {
	s := newTestSplitter(t)
	for _, tc := range splitterCases {
		b := []byte(tc.in + "  文。　\t続き　。 ")
		orig := bytes.Clone(b)
		for p := 0; p < len(b); {
			adv, _, _ := s.ks.ScanSentences(b[p:], true)
			if adv <= 0 {
				break
			}
			p += adv
		}
		if !bytes.Equal(b, orig) {
			t.Fatalf("kagome ScanSentences modified its input %q -> %q", orig, b)
		}
	}
}

func TestSplitFuncMatchesSentences(t *testing.T) {
	s := newTestSplitter(t)
	var all strings.Builder
	for _, tc := range splitterCases {
		all.WriteString(tc.in)
		all.WriteString("\n")
	}
	all.WriteString("最後の行は改行なし。終わり")
	text := all.String()
	want := s.Sentences(text)
	for _, bufSize := range []int{64, 4096} {
		sc := bufio.NewScanner(strings.NewReader(text))
		sc.Buffer(make([]byte, bufSize), 1<<20)
		sc.Split(s.SplitFunc())
		var got []string
		for sc.Scan() {
			got = append(got, sc.Text())
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("buffer %d: SplitFunc tokens differ from Sentences\n got %q\nwant %q", bufSize, got, want)
		}
	}
}

func TestAppendSentencesReusesStorage(t *testing.T) {
	s := newTestSplitter(t)
	dst := make([]string, 0, 16)
	text := "一。二。三。"
	allocs := testing.AllocsPerRun(100, func() { dst = s.AppendSentences(dst[:0], text) })
	if allocs != 0 {
		t.Errorf("AppendSentences with room in dst: %v allocations, want 0", allocs)
	}
	if len(dst) != 3 {
		t.Errorf("got %q", dst)
	}
}

func TestSplitterOptions(t *testing.T) {
	s := newTestSplitter(t, SplitterNop(), Delimiters('。'), BracketPairs("「」"), Followers('」'), Abbreviations("Co"))
	got := s.Sentences("はい！いいえ。（あ。い）「う。え」。")
	want := []string{"はい！いいえ。", "（あ。", "い）「う。え」。"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q want %q", got, want)
	}
	bad := map[string]SplitterOption{
		"empty delimiters":     Delimiters(),
		"space delimiter":      Delimiters('。', ' '),
		"newline follower":     Followers('\n'),
		"one-rune pair":        BracketPairs("「"),
		"empty abbreviation":   Abbreviations(""),
		"delimiter as bracket": BracketPairs("。」"),
		"duplicate opener":     BracketPairs("「」", "「』"),
	}
	for name, opt := range bad {
		if _, err := NewSplitter(opt); err == nil {
			t.Errorf("%s: NewSplitter succeeded, want an error", name)
		}
	}
}

// checkInvariants asserts what every split must satisfy: sentences are
// non-empty, carry no '\n' and no whitespace at either end, appear in the
// input in order, and only whitespace lies between them; valid UTF-8 in
// gives valid UTF-8 out.
func checkInvariants(t testing.TB, in string, got []string) {
	t.Helper()
	rest := in
	for i, sent := range got {
		if sent == "" {
			t.Fatalf("sentence %d is empty", i)
		}
		if strings.ContainsRune(sent, '\n') {
			t.Fatalf("sentence %d %q contains a newline", i, sent)
		}
		if f, _ := utf8.DecodeRuneInString(sent); unicode.IsSpace(f) {
			t.Fatalf("sentence %d %q starts with whitespace", i, sent)
		}
		if l, _ := utf8.DecodeLastRuneInString(sent); unicode.IsSpace(l) {
			t.Fatalf("sentence %d %q ends with whitespace", i, sent)
		}
		if !strings.HasPrefix(strings.TrimLeftFunc(rest, unicode.IsSpace), sent) {
			t.Fatalf("sentence %d %q does not follow the previous one after only whitespace; rest %q", i, sent, rest)
		}
		gap := len(rest) - len(strings.TrimLeftFunc(rest, unicode.IsSpace))
		rest = rest[gap+len(sent):]
		if utf8.ValidString(in) && !utf8.ValidString(sent) {
			t.Fatalf("sentence %d %q is not valid UTF-8", i, sent)
		}
	}
	if strings.TrimSpace(strings.TrimFunc(rest, unicode.IsSpace)) != "" {
		t.Fatalf("input left over after the last sentence: %q", rest)
	}
}

func FuzzSentences(f *testing.F) {
	for _, tc := range splitterCases {
		f.Add(tc.in)
	}
	f.Add("a\xffb。\xe3\x80")
	f.Add("((((((「」」」」)))")
	s := newTestSplitter(f)
	f.Fuzz(func(t *testing.T, in string) {
		got := s.Sentences(in)
		checkInvariants(t, in, got)
		sc := bufio.NewScanner(strings.NewReader(in))
		sc.Buffer(nil, len(in)+16)
		sc.Split(s.SplitFunc())
		var viaScanner []string
		for sc.Scan() {
			viaScanner = append(viaScanner, sc.Text())
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(viaScanner, got) {
			t.Fatalf("SplitFunc %q != Sentences %q", viaScanner, got)
		}
	})
}

// checkCutAfter compares cutAfter with kagome's ScanSentences at every
// delimiter of in.
func checkCutAfter(t *testing.T, s *Splitter, in string) {
	t.Helper()
	b := []byte(in)
	for d := 0; d < len(b); {
		r, size := utf8.DecodeRune(b[d:])
		if r != utf8.RuneError && s.delims.has(r) {
			adv, _, _ := s.ks.ScanSentences(b[d:], true)
			if got := s.cutAfter(b, d); got != d+adv {
				t.Fatalf("cutAfter(%q, %d) = %d, kagome cuts at %d", in, d, got, d+adv)
			}
		}
		d += size
	}
}

func TestCutAfterMatchesKagome(t *testing.T) {
	s := newTestSplitter(t)
	extra := []string{"終わり。」』）)次", "本当!?」…", "え？！」\"'〞次", "x.」\xff。", "。", "「。」」", "。\u3000」"}
	for _, tc := range splitterCases {
		checkCutAfter(t, s, tc.in)
	}
	for _, in := range extra {
		checkCutAfter(t, s, in)
	}
}

func FuzzCutAfter(f *testing.F) {
	for _, tc := range splitterCases {
		f.Add(tc.in)
	}
	f.Add("x.」\xff。」")
	s := newTestSplitter(f)
	f.Fuzz(func(t *testing.T, in string) { checkCutAfter(t, s, in) })
}
