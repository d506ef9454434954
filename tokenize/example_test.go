package tokenize_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/calibkit/calibkit/tokenize"
)

func ExampleTokenizer_Wakati() {
	tk, err := tokenize.NewTokenizer()
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.Join(tk.Wakati("すもももももももものうち"), " "))
	// Output:
	// すもも も もも も もも の うち
}

func ExampleTokenizer_Morphemes() {
	tk, err := tokenize.NewTokenizer()
	if err != nil {
		panic(err)
	}
	for _, m := range tk.Morphemes("公園に行った") {
		fmt.Println(m.Surface, m.POS[0], m.BaseForm, m.Reading)
	}
	// Output:
	// 公園 名詞 公園 コウエン
	// に 助詞 に ニ
	// 行っ 動詞 行く イッ
	// た 助動詞 た タ
}

func ExampleSplitter_Count() {
	s, err := tokenize.NewSplitter()
	if err != nil {
		panic(err)
	}
	c := s.Count("一文目。二文目！\nThird one.\n")
	fmt.Printf("%d bytes, %d chars, %d lines, %d sentences\n", c.Bytes, c.Chars, c.Lines, c.Sentences)
	fmt.Println(tokenize.CountChars("東京タワー"))
	// Output:
	// 36 bytes, 20 chars, 2 lines, 3 sentences
	// 5
}

func ExampleProcessLines() {
	tk, err := tokenize.NewTokenizer()
	if err != nil {
		panic(err)
	}
	in := strings.NewReader("東京は晴れ。\n大阪は雨。\n")
	if _, err := tokenize.ProcessLines(context.Background(), in, os.Stdout, 4, tk.AppendWakatiLine); err != nil {
		panic(err)
	}
	// Output:
	// 東京 は 晴れ 。
	// 大阪 は 雨 。
}
