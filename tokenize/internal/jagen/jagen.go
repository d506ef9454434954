// Package jagen generates deterministic Japanese text that looks like
// encyclopedia prose (kanji and kana, numbers, readings in brackets, quotes,
// some Latin words), for benchmarks and tests that must not download data.
package jagen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
)

var (
	subjects = []string{
		"東京都", "日本", "この町", "京都大学", "株式会社ソニー", "彼", "その作品", "第二次世界大戦",
		"徳川家康", "富士山", "この鉄道路線", "国際連合", "同社", "当時の政府", "多くの研究者", "アメリカ合衆国",
		"明治時代", "本作", "この寺院", "地方自治体", "ｶﾀｶﾅの看板", "ＪＲ東日本", "NHK", "Linux",
	}
	objects = []string{
		"新しい制度", "歴史的な建造物", "地域の文化", "経済の発展", "重要な役割", "多数の作品", "独自の技術",
		"人口の増加", "国内外の評価", "教育機関", "交通網", "伝統的な祭り", "大規模な改修", "映画とテレビ番組",
		"初の試み", "複数の路線", "観光客", "研究の成果",
	}
	verbs = []string{
		"設立した", "発表した", "担っている", "受けた", "整備された", "行われている", "知られている",
		"開始された", "廃止された", "記録した", "建設された", "残している", "果たした", "開発した",
		"拡大した", "獲得した", "保存されている", "移転した",
	}
	particles = []string{"は", "が", "も", "では"}
	adverbs   = []string{"", "", "後に", "現在も", "特に", "一方で", "その後", "同年", "やがて", "主に"}
	readings  = []string{"（とうきょう）", "（きょうと）", "（ふじさん）", "（とくがわ いえやす）", "（めいじ）", ""}
	quotes    = []string{"「はい。そうです。」と答えた", "『未来への道』を刊行した", "「地域のために。」と述べた"}
	finals    = []string{"。", "。", "。", "。", "！", "？"}
)

// Write writes about n bytes of text to w: paragraphs of several
// sentences, one paragraph per line. The same seed gives the same text.
func Write(w io.Writer, n int64, seed uint64) error {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 1<<16)
	var written int64
	var sb strings.Builder
	for written < n {
		sb.Reset()
		for range 2 + r.IntN(6) {
			sentence(&sb, r)
		}
		sb.WriteByte('\n')
		k, err := bw.WriteString(sb.String())
		written += int64(k)
		if err != nil {
			return fmt.Errorf("write generated text: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write generated text: %w", err)
	}
	return nil
}

// String returns about n bytes of generated text.
func String(n int, seed uint64) string {
	var sb strings.Builder
	_ = Write(&sb, int64(n), seed) // a strings.Builder does not fail
	return sb.String()
}

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

func sentence(sb *strings.Builder, r *rand.Rand) {
	sb.WriteString(pick(r, subjects))
	if r.IntN(4) == 0 {
		sb.WriteString(pick(r, readings))
	}
	sb.WriteString(pick(r, particles))
	if a := pick(r, adverbs); a != "" {
		sb.WriteString(a)
		sb.WriteString("、")
	}
	switch r.IntN(6) {
	case 0:
		sb.WriteString(pick(r, quotes))
	case 1:
		fmt.Fprintf(sb, "%d年に%s", 1868+r.IntN(160), pick(r, objects))
		sb.WriteString("を")
		sb.WriteString(pick(r, verbs))
	case 2:
		fmt.Fprintf(sb, "約%d.%d%%の%sを", r.IntN(100), r.IntN(10), pick(r, objects))
		sb.WriteString(pick(r, verbs))
	default:
		sb.WriteString(pick(r, objects))
		sb.WriteString("を")
		sb.WriteString(pick(r, verbs))
	}
	sb.WriteString(pick(r, finals))
}
