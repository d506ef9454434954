package corpus

import (
	"reflect"
	"testing"

	"github.com/calibkit/calibkit/tokenize"
)

func TestTitleCutterJoin(t *testing.T) {
	split, err := tokenize.NewSplitter()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, title, line string
		want              []string
	}{
		{"title ending in 。 then a bracket", "モーニング娘。", "モーニング娘。(モーニングむすめ)は、日本のグループ。次の文。",
			[]string{"モーニング娘。(モーニングむすめ)は、日本のグループ。", "次の文。"}},
		{"title ending in 。 then a particle", "モーニング娘。", "モーニング娘。のメンバーは多い。",
			[]string{"モーニング娘。のメンバーは多い。"}},
		{"title ending in ! then a bracket", "けいおん!", "けいおん!(けいおん)は漫画。アニメ化もされた。",
			[]string{"けいおん!(けいおん)は漫画。", "アニメ化もされた。"}},
		{"cuts inside the title, whitespace kept", "Hey! Say! JUMP", "Hey! Say! JUMP(ヘイ セイ ジャンプ)は、グループ。結成は2007年。",
			[]string{"Hey! Say! JUMP(ヘイ セイ ジャンプ)は、グループ。", "結成は2007年。"}},
		{"title ends a real sentence", "モーニング娘。", "好きなのはモーニング娘。次に好きなのは別のグループ。",
			[]string{"好きなのはモーニング娘。", "次に好きなのは別のグループ。"}},
		{"title not in the line", "けいおん!", "別の話。次の文。", []string{"別の話。", "次の文。"}},
		{"title without a delimiter", "東京都", "東京都は首都。そして大都市。", []string{"東京都は首都。", "そして大都市。"}},
		{"two occurrences", "けいおん!", "けいおん!は漫画。けいおん!の続編もある。",
			[]string{"けいおん!は漫画。", "けいおん!の続編もある。"}},
	}
	var c titleCutter
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.join(tt.line, split.Sentences(tt.line), tt.title)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("join = %q, want %q", got, tt.want)
			}
		})
	}
}

// The worker normalizes the title like the text (NFKC: ！ becomes !)
// before looking for it, and only when segmenting into sentences.
func TestCleanerKeepsTitleWhole(t *testing.T) {
	doc := Document{ID: "1", Title: "けいおん！", Text: "けいおん！（けいおん）は、日本の漫画。アニメ化もされた。"}
	tests := []struct {
		segment Segment
		want    [][]string
	}{
		{SegmentSentences, [][]string{{"けいおん!(けいおん)は、日本の漫画。", "アニメ化もされた。"}}},
		{SegmentParagraphs, [][]string{{"けいおん!(けいおん)は、日本の漫画。アニメ化もされた。"}}},
	}
	for _, tt := range tests {
		t.Run(tt.segment.String(), func(t *testing.T) {
			opts := DefaultOptions()
			opts.Segment = tt.segment
			c, err := NewCleaner(opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Clean(doc); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Clean = %q, want %q", got, tt.want)
			}
		})
	}
}
