package corpus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/calibkit/calibkit/corpus/internal/synth"
	"github.com/calibkit/calibkit/internal/manifest"
)

// langArticles are articles written for these tests: prose with
// abbreviations, quotes and numbers with periods, a heading, a line in
// another language, and trailing sections with text after them.
var langArticles = map[string]struct{ text, want string }{
	"de": {
		text: "Berlin ist die Hauptstadt Deutschlands. Am 3. Oktober 1990 wurde die Stadt wiedervereinigt.\n" +
			"Geschichte\n" +
			"Die Stadt wurde z. B. von Dr. Weber beschrieben. Sie hat ca. 3,7 Mio. Einwohner.\n" +
			"The city is one of the most visited places in Europe and has many museums.\n" +
			"La urbo estas konata pro sia mezepoka preĝejo kaj sia ĉiujara somera festivalo.\n" +
			"„Wir sind ein Volk.“ So riefen die Menschen im 20. Jahrhundert.\n" +
			"Einzelnachweise\n" +
			"Berliner Zeitung vom 3. Oktober 2020. Die Quelle.\n",
		want: "Berlin ist die Hauptstadt Deutschlands.\nAm 3. Oktober 1990 wurde die Stadt wiedervereinigt.\n" +
			"Die Stadt wurde z. B. von Dr. Weber beschrieben.\nSie hat ca. 3,7 Mio. Einwohner.\n" +
			"„Wir sind ein Volk.“\nSo riefen die Menschen im 20. Jahrhundert.\n",
	},
	"en": {
		text: "Mr. Smith founded the company in 1901. It grew to 3.5 million customers.\n" +
			"Die Firma wurde von einem deutschen Ingenieur in der Stadt gegründet und wuchs schnell.\n" +
			"\"It works.\" He said so in Washington, D.C. on Monday.\n" +
			"See also\n" +
			"List of companies. Another list.\n",
		want: "Mr. Smith founded the company in 1901.\nIt grew to 3.5 million customers.\n" +
			"\"It works.\"\nHe said so in Washington, D.C. on Monday.\n",
	},
	"fr": {
		text: "M. Dupont est né à Paris. Il a dit « Bonjour. » Puis il est parti.\n" +
			"Notes et références\n" +
			"Voir la p. 12. Fin.\n",
		want: "M. Dupont est né à Paris.\nIl a dit « Bonjour. »\nPuis il est parti.\n",
	},
	"ru": {
		text: "Москва — столица России. Это т. е. крупнейший город.\n" +
			"The city has many museums and theatres and a long history of trade.\n" +
			"А. С. Пушкин родился в Москве. Он был поэтом.\n" +
			"Примечания\n" +
			"Источник. Ещё один.\n",
		want: "Москва — столица России.\nЭто т. е. крупнейший город.\nА. С. Пушкин родился в Москве.\nОн был поэтом.\n",
	},
	"zh": {
		text: "北京是中国的首都。你去过吗？\n" +
			"東京は日本の首都であり、多くの人が住んでいる。\n" +
			"The city has many museums and theatres.\n" +
			"他说：“今天很好，明天也好。”价格是3.5元。\n" +
			"参考文献\n" +
			"某书。另一本书。\n",
		// NFKC folds the full-width ？：， to ASCII.
		want: "北京是中国的首都。\n你去过吗?\n他说:“今天很好,明天也好。”\n价格是3.5元。\n",
	},
	"ko": {
		text: "서울은 한국의 수도이다. 인구는 약 1000만 명이다.\n" +
			"Seoul is the capital and the largest city of the country.\n" +
			"각주\n" +
			"참고 자료. 다른 자료.\n",
		want: "서울은 한국의 수도이다.\n인구는 약 1000만 명이다.\n",
	},
	"hi": {
		text: "भारत एक विशाल देश है। इसकी राजधानी नई दिल्ली है।\n" +
			"India is a large country in South Asia with many languages.\n" +
			"सन्दर्भ\n" +
			"कोई स्रोत।\n",
		want: "भारत एक विशाल देश है।\nइसकी राजधानी नई दिल्ली है।\n",
	},
	"ar": {
		text: "القاهرة عاصمة مصر. وهي مدينة كبيرة؟ نعم!\n" +
			"Cairo is the capital of the country and its largest city.\n" +
			"مراجع\n" +
			"مصدر ما.\n",
		want: "القاهرة عاصمة مصر.\nوهي مدينة كبيرة؟\nنعم!\n",
	},
	"th": {
		text: "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย มีประชากรมาก\n" +
			"Bangkok is the capital of the country and its largest city.\n" +
			"อ้างอิง\n" +
			"แหล่งข้อมูล\n",
		want: "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย มีประชากรมาก\n",
	},
}

// langOptions are the build options of `corpus build --lang code`.
func langOptions(t testing.TB, code string) Options {
	t.Helper()
	opts, err := OptionsFor(code)
	if err != nil {
		t.Fatal(err)
	}
	return opts
}

func writeJSONL(t *testing.T, path string, texts ...string) {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for i, s := range texts {
		enc.Encode(map[string]string{"id": fmt.Sprint(i + 1), "title": "T", "text": s})
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBuildLanguages(t *testing.T) {
	for code, a := range langArticles {
		t.Run(code, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "a.jsonl")
			writeJSONL(t, in, a.text)
			out := filepath.Join(dir, "out.txt")
			st := build(t, []string{in}, out, langOptions(t, code))
			b, _ := os.ReadFile(out)
			if string(b) != a.want {
				t.Errorf("got\n%s\nwant\n%s", b, a.want)
			}
			if st.Removed.TrailingSectionDocs != 1 {
				t.Errorf("trailing sections cut: %d", st.Removed.TrailingSectionDocs)
			}
			m, err := manifest.Read(manifest.Path(out))
			if err != nil {
				t.Fatal(err)
			}
			if m.Parameters["lang"] != code || m.Parameters["segmenter"] == nil || m.Parameters["script"] == nil {
				t.Errorf("manifest parameters %v", m.Parameters)
			}
			if code == "th" && m.Parameters["segmenter_note"] == nil {
				t.Error("no segmenter note for Thai paragraphs")
			}
		})
	}
}

// TestLangFilterCounts checks what the filter counts: the English line of
// the German article is plainly English by its function words, the
// Esperanto one goes to the identifier, the Japanese line of the Chinese
// one fails the script share.
func TestLangFilterCounts(t *testing.T) {
	for _, tc := range []struct {
		code                      string
		script, other, identified int64
	}{{"de", 0, 2, 1}, {"zh", 2, 0, 0}, {"ru", 1, 0, 0}} {
		dir := t.TempDir()
		in := filepath.Join(dir, "a.jsonl")
		writeJSONL(t, in, langArticles[tc.code].text)
		st := build(t, []string{in}, filepath.Join(dir, "o.txt"), langOptions(t, tc.code))
		r := st.Removed
		if r.OtherScriptLines != tc.script || r.OtherLanguageLines != tc.other || r.IdentifiedLines != tc.identified || r.NonJapaneseLines != 0 {
			t.Errorf("%s: removed %+v", tc.code, r)
		}
	}
	// Without the identifier the English line stays in the German text.
	dir := t.TempDir()
	in := filepath.Join(dir, "a.jsonl")
	writeJSONL(t, in, langArticles["de"].text)
	opts := langOptions(t, "de")
	opts.Clean.LangID = false
	out := filepath.Join(dir, "o.txt")
	build(t, []string{in}, out, opts)
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), "The city is one of") {
		t.Errorf("--lang-id=false dropped the English line:\n%s", b)
	}
}

func TestLangOptionsValidate(t *testing.T) {
	opts := DefaultOptions()
	opts.Clean.Lang = "xx"
	if _, err := NewCleaner(opts); err == nil || !strings.Contains(err.Error(), "supported are") {
		t.Errorf("lang xx: %v", err)
	}
	opts.Clean.Lang = "de"
	opts.Clean.ScriptShare = 1.5
	if _, err := NewCleaner(opts); err == nil {
		t.Error("share 1.5: no error")
	}
	if _, err := TrailingSectionsFor("xx"); err == nil {
		t.Error("TrailingSectionsFor(xx): no error")
	}
	if _, err := OptionsFor("xx"); err == nil {
		t.Error("OptionsFor(xx): no error")
	}
	if zh, err := OptionsFor("zh"); err != nil || zh.Clean.Lang != "zh" || !slices.Contains(zh.Clean.TrailingSections, "外部链接") || slices.Contains(zh.Clean.TrailingSections, "外部リンク") {
		t.Errorf("OptionsFor(zh): %v %+v", err, zh.Clean)
	}
	ja, _ := TrailingSectionsFor("ja")
	def, _ := TrailingSectionsFor("")
	if strings.Join(ja, "|") != strings.Join(DefaultTrailingSections, "|") || strings.Join(def, "|") != strings.Join(ja, "|") {
		t.Error("Japanese trailing sections differ from DefaultTrailingSections")
	}
}

// TestBuildLanguagesWorkersIdentical builds generated German and Chinese
// articles over many batches with 1 and 3 workers: the bytes must match.
func TestBuildLanguagesWorkersIdentical(t *testing.T) {
	for _, code := range []string{"de", "zh"} {
		dir := t.TempDir()
		rows := synthRows(t, code, 1500)
		writeShard(t, filepath.Join(dir, "a.parquet"), rows[:900], &parquet.Zstd, 200)
		writeShard(t, filepath.Join(dir, "b.parquet"), rows[900:], &parquet.Snappy, 300)
		var outs [][]byte
		for _, w := range []int{1, 3} {
			out := filepath.Join(t.TempDir(), "out.txt")
			opts := langOptions(t, code)
			opts.Workers = w
			st := build(t, []string{dir}, out, opts)
			if st.DocumentsRead != 1500 || st.Removed.Duplicates == 0 || st.Removed.TrailingSectionDocs != 1500 {
				t.Fatalf("%s: stats %+v", code, st)
			}
			b, _ := os.ReadFile(out)
			outs = append(outs, b)
		}
		if !bytes.Equal(outs[0], outs[1]) {
			t.Errorf("%s: output differs between 1 and 3 workers", code)
		}
	}
}

// synthRows returns n generated articles in lang as shard rows.
func synthRows(t testing.TB, lang string, n int) []wikiRow {
	t.Helper()
	g, err := synth.NewLang(lang, 11)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]wikiRow, n)
	for i := range rows {
		a := g.Article()
		rows[i] = wikiRow{a.ID, a.URL, a.Title, a.Text}
	}
	return rows
}
