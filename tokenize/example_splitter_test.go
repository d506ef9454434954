package tokenize_test

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/calibkit/calibkit/tokenize"
)

func ExampleSplitter_Sentences() {
	s, err := tokenize.NewSplitter()
	if err != nil {
		panic(err)
	}
	for _, sent := range s.Sentences("「はい。そうです。」と彼は言った。東京（とうきょう）は首都。\n  Mr. Smith paid $3.50. Then he left.") {
		fmt.Println(sent)
	}
	// Output:
	// 「はい。そうです。」と彼は言った。
	// 東京（とうきょう）は首都。
	// Mr. Smith paid $3.50.
	// Then he left.
}

func ExampleSplitter_SplitFunc() {
	s, err := tokenize.NewSplitter()
	if err != nil {
		panic(err)
	}
	sc := bufio.NewScanner(strings.NewReader("一文目。二文目！\n\n三文目？"))
	sc.Split(s.SplitFunc())
	for sc.Scan() {
		fmt.Printf("%q\n", sc.Text())
	}
	// Output:
	// "一文目。"
	// "二文目！"
	// "三文目？"
}
