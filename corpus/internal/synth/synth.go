// Package synth generates Wikipedia-like Japanese (and, through NewLang,
// German and Chinese) articles for benchmarks
// and real-size runs: sentences built from kanji, kana and katakana words,
// readings in full-width brackets, full-width digits, boilerplate sentences
// that repeat across articles, section headings on lines of their own, and
// trailing sections (脚注, 参考文献, 関連項目, 外部リンク). The same seed
// gives the same text.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

var (
	nouns = []string{"東京", "大阪", "京都", "富士山", "日本", "政府", "大学", "研究", "歴史", "文化",
		"鉄道", "駅", "川", "山", "市", "町", "村", "県", "国", "世界", "戦争", "経済", "社会", "技術",
		"言語", "文学", "音楽", "映画", "番組", "選手", "試合", "会社", "工場", "製品", "作品", "時代",
		"地域", "人口", "面積", "気候", "建物", "寺院", "神社", "城", "港", "空港", "学校", "病院"}
	katakana = []string{"テレビ", "ラジオ", "コンピュータ", "ソフトウェア", "インターネット", "サッカー",
		"オリンピック", "アニメーション", "ゲーム", "ネットワーク", "システム", "データ", "プログラム",
		"デザイン", "ヨーロッパ", "アメリカ", "イギリス", "フランス", "ドイツ", "ロシア"}
	verbs = []string{"である", "とされる", "と呼ばれる", "が行われた", "を建設した", "に位置する",
		"を設立した", "が開業した", "を発表した", "に選ばれた", "を受賞した", "が知られている",
		"を中心に発展した", "に移転した", "を担当した", "が放送された"}
	particles = []string{"の", "は", "が", "を", "に", "と", "で", "から", "まで", "より"}
	readings  = []string{"とうきょう", "おおさか", "きょうと", "ふじさん", "にほん", "せいふ"}
	boiler    = []string{
		"この項目は、日本に関連した書きかけの項目です。",
		"詳細は当該項目を参照のこと。",
		"出典は明記されていない。",
		"以下に主な出来事を示す。",
	}
	trailing = []string{"脚注", "出典", "参考文献", "関連項目", "外部リンク"}
	sections = []string{"概要", "歴史", "地理", "文化", "経済", "人物", "評価", "作品"}
)

// Generator makes articles from a seeded random source.
type Generator struct {
	r *rand.Rand
	n int
	v *vocab // nil: Japanese
}

// New returns a generator with the given seed.
func New(seed uint64) *Generator {
	return &Generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

func (g *Generator) pick(list []string) string { return list[g.r.IntN(len(list))] }

// Sentence returns one sentence of 20 to 120 characters or so.
func (g *Generator) Sentence() string {
	if g.r.IntN(25) == 0 {
		return g.pick(boiler)
	}
	var b strings.Builder
	parts := 2 + g.r.IntN(5)
	for i := range parts {
		switch g.r.IntN(6) {
		case 0:
			b.WriteString(g.pick(katakana))
		case 1:
			w := g.pick(nouns)
			b.WriteString(w)
			if g.r.IntN(4) == 0 {
				fmt.Fprintf(&b, "（%s）", g.pick(readings))
			}
		case 2:
			fmt.Fprintf(&b, "%d年", 1800+g.r.IntN(225))
		case 3:
			// Full-width digits, folded by NFKC.
			b.WriteString(strings.Map(func(r rune) rune { return r - '0' + '０' }, fmt.Sprint(g.r.IntN(10000))))
			b.WriteString("人")
		default:
			b.WriteString(g.pick(nouns))
			b.WriteString(g.pick(nouns))
		}
		if i < parts-1 {
			b.WriteString(g.pick(particles))
			if g.r.IntN(3) == 0 {
				b.WriteString("、")
			}
		}
	}
	b.WriteString(g.pick(verbs))
	b.WriteString("。")
	return b.String()
}

// Article is one generated article.
type Article struct {
	ID, URL, Title, Text string
}

// Article returns the next article: 3 to 12 paragraphs of 1 to 6
// sentences, a third of them after a section heading on a line of its own
// (as the Wikipedia dump keeps them), then two trailing sections.
func (g *Generator) Article() Article {
	g.n++
	if g.v != nil {
		return g.langArticle()
	}
	var b strings.Builder
	paras := 3 + g.r.IntN(10)
	for p := range paras {
		if p > 0 && g.r.IntN(3) == 0 {
			b.WriteByte('\n')
			if g.r.IntN(2) == 0 {
				b.WriteString(g.pick(sections))
			} else {
				b.WriteString(g.pick(nouns) + "の" + g.pick(sections))
			}
			b.WriteString("\n")
		}
		for range 1 + g.r.IntN(6) {
			b.WriteString(g.Sentence())
		}
		b.WriteByte('\n')
	}
	for range 2 {
		b.WriteByte('\n')
		b.WriteString(g.pick(trailing))
		b.WriteByte('\n')
		b.WriteString("・" + g.pick(nouns) + "の一覧\n")
	}
	id := fmt.Sprint(g.n)
	return Article{ID: id, URL: "https://ja.wikipedia.org/wiki?curid=" + id, Title: g.pick(nouns) + g.pick(katakana), Text: b.String()}
}
