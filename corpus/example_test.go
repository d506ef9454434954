package corpus_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/calibkit/calibkit/corpus"
)

func ExampleNewJSONLReader() {
	in := `{"id": "1", "title": "富士山", "text": "富士山は日本一高い山である。"}
{"id": "2", "title": "琵琶湖", "text": "琵琶湖は滋賀県にある。"}
`
	r := corpus.NewJSONLReader(strings.NewReader(in), "wiki.jsonl", corpus.DefaultReaderOptions())
	for {
		doc, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(doc.ID, doc.Title, doc.Text)
	}
	// Output:
	// 1 富士山 富士山は日本一高い山である。
	// 2 琵琶湖 琵琶湖は滋賀県にある。
}

func ExampleProcess() {
	dir, _ := os.MkdirTemp("", "corpus-example")
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "articles.jsonl")
	os.WriteFile(in, []byte(`{"id": "1", "text": "東京（とうきょう）は日本の首都である。人口は約１４００万人。\n脚注\n出典は省略。"}
{"id": "2", "text": "人口は約１４００万人。ｶﾀｶﾅも使う。\nThis line is English."}
`), 0o644)

	opts := corpus.DefaultOptions()
	opts.Clean.Lang = "ja" // drop lines that are not mostly Japanese
	st, err := corpus.Process(context.Background(), []string{in}, os.Stdout, corpus.OutputText, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("sentences %d, duplicates %d, non-Japanese lines %d\n",
		st.Sentences, st.Removed.Duplicates, st.Removed.NonJapaneseLines)
	// Output:
	// 東京(とうきょう)は日本の首都である。
	// 人口は約1400万人。
	//
	// カタカナも使う。
	// sentences 3, duplicates 1, non-Japanese lines 1
}

func ExampleJapaneseShare() {
	fmt.Printf("%.2f %.2f %.2f\n",
		corpus.JapaneseShare("日本語の文です。"),
		corpus.JapaneseShare("Appleは米国の企業"),
		corpus.JapaneseShare("This line is English."))
	// Output: 1.00 0.55 0.00
}

func ExampleCleaner() {
	c, err := corpus.NewCleaner(corpus.DefaultOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	paras := c.Clean(corpus.Document{Text: "琵琶湖（びわこ）は滋賀県にある。面積は約６７０ｋｍ²。\n日本最大の湖である。\n関連項目\n淀川"})
	for _, p := range paras {
		fmt.Printf("%q\n", p)
	}
	fmt.Println("trailing sections cut:", c.Stats().Removed.TrailingSectionDocs)
	// Output:
	// ["琵琶湖(びわこ)は滋賀県にある。" "面積は約670km2。"]
	// ["日本最大の湖である。"]
	// trailing sections cut: 1
}
