package sample

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Names, in FS, of the bundled Wikipedia articles: real Japanese and
// English Wikipedia text (JSQuAD's and WikiText-2's copies, CC BY-SA; see
// data/wiki/README.md), one {"id","title","url","text"} article a line.
const (
	WikiJa = "wiki/ja.jsonl"
	WikiEn = "wiki/en.jsonl"
)

var wikiFiles = map[string]string{"ja": WikiJa, "en": WikiEn}

// WikiLangs lists the languages Wiki has articles for, sorted.
func WikiLangs() []string {
	langs := make([]string, 0, len(wikiFiles))
	for l := range wikiFiles {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	return langs
}

// Wiki returns the bundled Wikipedia articles of lang ("ja" or "en") as
// JSONL, one whole article a line with its paragraphs separated by "\n",
// in the order of their source file.
func Wiki(lang string) ([]byte, error) {
	name, ok := wikiFiles[lang]
	if !ok {
		return nil, fmt.Errorf("sample Wikipedia text: no articles for language %q; have %s", lang, strings.Join(WikiLangs(), ", "))
	}
	b, err := fs.ReadFile(FS(), name)
	if err != nil {
		return nil, fmt.Errorf("sample file %s: %w", name, err)
	}
	return b, nil
}
