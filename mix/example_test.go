package mix_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/calibkit/calibkit/mix"
)

// A corpus as `calibkit corpus build` writes it: one JSON object per
// article, one sentence per line, a blank line between paragraphs.
const corpusJSONL = `{"id":"1","title":"東京","url":"u1","text":"東京は日本の首都である。\n人口は約1400万人。\n\n多くの大学がある。"}
{"id":"2","title":"大阪","url":"u2","text":"大阪は西日本の中心都市である。\n\n商業の町として栄えた。"}
{"id":"3","title":"京都","url":"u3","text":"京都には寺院が多い。\n観光客が多く訪れる。"}
`

func ExampleBuildEval() {
	pool, err := mix.NewPool(context.Background(), "corpus.jsonl", strings.NewReader(corpusJSONL))
	if err != nil {
		panic(err)
	}
	var out bytes.Buffer
	// A target this small is met with sentences of three articles, each
	// under its own heading; a bigger one takes whole articles first.
	res, err := mix.BuildEval(context.Background(), pool, &out, mix.EvalOptions{Target: 160, Unit: mix.Bytes, Format: mix.Wikitext, Seed: 1})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d bytes, deviation %d, whole %v, partial %d\n", out.Len(), res.Deviation, res.Articles, len(res.Partial))
	fmt.Print(strings.ReplaceAll(out.String(), " \n", "␠\n"))
	// Output:
	// 160 bytes, deviation 0, whole [], partial 3
	// ␠
	//  = 京都 =␠
	// ␠
	//  京都には寺院が多い。␠
	// ␠
	//  = 東京 =␠
	// ␠
	//  人口は約1400万人。␠
	// ␠
	//  = 大阪 =␠
	// ␠
	//  大阪は西日本の中心都市である。␠
}

func ExampleMix() {
	pool, err := mix.NewPool(context.Background(), "corpus.jsonl", strings.NewReader(corpusJSONL))
	if err != nil {
		panic(err)
	}
	base := []string{"The base text keeps its order.", "Its lines are never broken."}
	var out bytes.Buffer
	res, err := mix.Mix(context.Background(), &out, mix.MixOptions{
		Base: base, Adds: []mix.Add{{Name: "ja", Pool: pool, Factor: 1}}, Seed: 1, ChunkTokens: 8,
	})
	if err != nil {
		panic(err)
	}
	for _, s := range res.Sources {
		fmt.Printf("%s: %d bytes, %.2f of the bytes\n", s.Name, s.Bytes, s.ShareBytes)
	}
	fmt.Print(out.String())
	// Output:
	// base: 59 bytes, 0.56 of the bytes
	// ja: 46 bytes, 0.44 of the bytes
	// The base text keeps its order.
	// 大阪は西日本の中心都市である。
	// Its lines are never broken.
}

func ExampleShareFileName() {
	for _, s := range []float64{0, 0.25, 0.5, 1} {
		fmt.Println(mix.ShareFileName(s))
	}
	// Output:
	// share-0.txt
	// share-0.25.txt
	// share-0.5.txt
	// share-1.txt
}

func ExampleJoinSentences() {
	fmt.Println(mix.JoinSentences([]string{"東京は首都である。", "人口は多い。"}))
	fmt.Println(mix.JoinSentences([]string{"Tokyo is the capital.", "It is large."}))
	// Output:
	// 東京は首都である。人口は多い。
	// Tokyo is the capital. It is large.
}
