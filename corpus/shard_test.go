package corpus

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
)

// wikiRow is the schema of the wikimedia/wikipedia parquet shards.
type wikiRow struct {
	ID    string `parquet:"id"`
	URL   string `parquet:"url"`
	Title string `parquet:"title"`
	Text  string `parquet:"text"`
}

// writeShard writes rows as a parquet file with the given codec, at most
// perGroup rows to a row group.
func writeShard(t testing.TB, path string, rows []wikiRow, codec compress.Codec, perGroup int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[wikiRow](f, parquet.Compression(codec), parquet.MaxRowsPerRowGroup(perGroup))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// articles is Japanese text written for these tests: trailing sections,
// readings in brackets, brackets emptied by the dump's clean-up, full-width
// ASCII, half-width katakana, an English-only line, a duplicate sentence,
// quotes with inner punctuation.
var articles = []wikiRow{
	{ID: "101", URL: "https://ja.wikipedia.org/wiki?curid=101", Title: "富士山",
		Text: "富士山（ふじさん）は、静岡県と山梨県にまたがる活火山である。標高は３７７６ｍで、日本最高峰である。\n" +
			"古くから信仰の対象とされ、「霊峰富士。」と呼ばれてきた。\n" +
			"Mount Fuji is the highest mountain in Japan.\n" +
			"\n脚注\n出典は省略。\n関連項目\n日本の山一覧\n"},
	{ID: "102", URL: "https://ja.wikipedia.org/wiki?curid=102", Title: "ｶﾀｶﾅ",
		Text: "カタカナ（、）は日本語の表記に用いる文字である。ﾊﾝｶｸの形もある。\r\n" +
			"標高は3776mで、日本最高峰である。\r\n" +
			"== 参考文献 ==\n『文字の本』\n"},
	{ID: "103", URL: "https://ja.wikipedia.org/wiki?curid=103", Title: "会話",
		Text: "彼は「本当に？　いや、まさか！」と言った。そして　　去っ\u200bた。\n" +
			"外部リンク\nhttps://example.com\n"},
}

func TestShardHelper(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.parquet")
	writeShard(t, p, articles, &parquet.Zstd, 2)
	r, err := OpenParquet(p, DefaultReaderOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumRows() != int64(len(articles)) {
		t.Fatalf("rows %d", r.NumRows())
	}
}
