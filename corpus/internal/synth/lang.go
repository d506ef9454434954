package synth

import (
	"fmt"
	"strings"
)

// vocab is what the generator builds articles of in a language other
// than Japanese.
type vocab struct {
	host     string // Wikipedia host for URLs
	subjects []string
	objects  []string
	verbs    []string // end a sentence: "subject verb object verb-end."
	extras   []string // phrases with abbreviations, ordinals, numbers
	foreign  []string // whole lines in another language (English)
	sections []string
	trailing []string
	items    []string // list items under trailing sections
	sep      string   // between words
	end      string   // sentence end
}

var vocabs = map[string]*vocab{
	"de": {
		host:     "de.wikipedia.org",
		subjects: []string{"Die Stadt", "Der Fluss", "Das Unternehmen", "Die Kirche", "Der Bahnhof", "Die Universität", "Der Verein", "Das Schloss", "Die Gemeinde", "Der Künstler", "Die Regierung", "Das Museum"},
		objects:  []string{"im Norden des Landes", "an der Grenze zu Österreich", "seit dem Mittelalter", "mit etwa 20.000 Einwohnern", "für die Region", "nach dem Zweiten Weltkrieg", "in der Innenstadt", "zwischen Berlin und Hamburg", "über mehrere Jahrzehnte", "bei einem Brand"},
		verbs:    []string{"liegt", "wurde gegründet", "gehört zum Landkreis", "entstand", "wurde zerstört", "wurde erweitert", "ist bekannt", "wurde eröffnet"},
		extras: []string{"am 3. Oktober 1990", "im 12. Jahrhundert", "z. B. durch Handel", "u. a. mit Holz", "vgl. Abschnitt 2", "ca. 1,5 km entfernt",
			"nach Dr. Müller", "bzw. dem Nachbarort", "im Jahr 1871", "zum 1. Januar 2008", "laut Prof. Weber", "mit 3,8 Mio. Euro"},
		foreign: []string{"The town is known for its medieval church and its annual summer festival.",
			"It was one of the largest companies in the region during the nineteenth century."},
		sections: []string{"Geschichte", "Geographie", "Wirtschaft", "Kultur und Sehenswürdigkeiten", "Persönlichkeiten", "Verkehr"},
		trailing: []string{"Einzelnachweise", "Literatur", "Weblinks", "Siehe auch"},
		items:    []string{"Offizielle Website", "Liste der Baudenkmäler", "Eintrag im Ortsverzeichnis"},
		sep:      " ", end: ".",
	},
	"zh": {
		host:     "zh.wikipedia.org",
		subjects: []string{"该市", "这条河流", "该公司", "这座寺庙", "该车站", "这所大学", "该俱乐部", "这座城堡", "该地区", "这位艺术家", "政府", "博物馆"},
		objects:  []string{"位于国家北部", "靠近边境", "自中世纪以来", "人口约两万", "为该地区", "第二次世界大战后", "在市中心", "在北京和上海之间", "数十年来", "在一场火灾中"},
		verbs:    []string{"成立", "被摧毁", "得到扩建", "闻名于世", "正式开放", "隶属于该县", "逐渐发展", "重新修建"},
		extras:   []string{"1990年10月3日", "12世纪", "例如通过贸易", "约1.5公里", "据《史记》记载", "“文化中心”之称", "（旧称北平）", "第3届"},
		foreign: []string{"The town is known for its medieval church and its annual summer festival.",
			"It was one of the largest companies in the region during the nineteenth century."},
		sections: []string{"历史", "地理", "经济", "文化", "人物", "交通"},
		trailing: []string{"参考文献", "外部链接", "参见", "注释"},
		items:    []string{"官方网站", "文物保护单位列表", "地名录条目"},
		sep:      "", end: "。",
	},
}

// NewLang returns a generator of articles in lang ("ja", "de" or "zh");
// "ja" is New.
func NewLang(lang string, seed uint64) (*Generator, error) {
	g := New(seed)
	if lang == "ja" {
		return g, nil
	}
	v, ok := vocabs[lang]
	if !ok {
		return nil, fmt.Errorf("synth: no vocabulary for %q (have ja, de, zh)", lang)
	}
	g.v = v
	return g, nil
}

// langSentence is a sentence of g.v: subject, an extra phrase or two,
// object and verb; one in 25 repeats across articles.
func (g *Generator) langSentence() string {
	v := g.v
	var b strings.Builder
	b.WriteString(g.pick(v.subjects))
	for range 1 + g.r.IntN(3) {
		b.WriteString(v.sep)
		if g.r.IntN(2) == 0 {
			b.WriteString(g.pick(v.extras))
		} else {
			b.WriteString(g.pick(v.objects))
		}
		if v.sep == "" && g.r.IntN(3) == 0 {
			b.WriteString("，")
		}
	}
	b.WriteString(v.sep)
	b.WriteString(g.pick(v.verbs))
	if g.r.IntN(25) == 0 {
		b.Reset()
		b.WriteString(v.subjects[0] + v.sep + v.verbs[0])
	}
	b.WriteString(v.end)
	return b.String()
}

// langArticle is Article for g.v: paragraphs with headings, an English
// line now and then, and trailing sections with list items.
func (g *Generator) langArticle() Article {
	v := g.v
	var b strings.Builder
	paras := 3 + g.r.IntN(10)
	for p := range paras {
		if p > 0 && g.r.IntN(3) == 0 {
			b.WriteString("\n" + g.pick(v.sections) + "\n")
		}
		if g.r.IntN(12) == 0 {
			b.WriteString(g.pick(v.foreign) + "\n")
			continue
		}
		for i := range 1 + g.r.IntN(6) {
			if i > 0 && v.sep != "" {
				b.WriteByte(' ')
			}
			b.WriteString(g.langSentence())
		}
		b.WriteByte('\n')
	}
	for range 2 {
		b.WriteString("\n" + g.pick(v.trailing) + "\n")
		b.WriteString(g.pick(v.items) + "\n")
	}
	id := fmt.Sprint(g.n)
	return Article{ID: id, URL: "https://" + v.host + "/wiki?curid=" + id, Title: g.pick(v.subjects) + " " + id, Text: b.String()}
}
