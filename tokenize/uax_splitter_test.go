package tokenize

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/calibkit/calibkit/langs"
)

// splitCases are, per language, texts written for these tests (modelled on
// the kinds of cases of pySBD's golden rules) and the sentences they hold.
var splitCases = map[string][]struct{ in, want string }{
	"en": {
		{"Mr. Smith met Dr. Jones at 5 p.m. on Friday. They talked.", "Mr. Smith met Dr. Jones at 5 p.m. on Friday.|They talked."},
		{"J. R. R. Tolkien wrote it. Then he slept.", "J. R. R. Tolkien wrote it.|Then he slept."},
		{"The value is 3.14 and rising! Is it? Yes.", "The value is 3.14 and rising!|Is it?|Yes."},
		{`He said "Stop." Then he left.`, `He said "Stop."|Then he left.`},
		{"See Fig. 3 and Vol. 2 of the report. It is long.", "See Fig. 3 and Vol. 2 of the report.|It is long."},
		{"It was built in 1990. It burned in 2001.", "It was built in 1990.|It burned in 2001."},
		{"The firm (see p. 4) grew. Later it shrank.", "The firm (see p. 4) grew.|Later it shrank."},
		{"1. Introduction to the topic", "1. Introduction to the topic"},
	},
	"de": {
		{"Am 3. Oktober 1990 wurde Deutschland vereinigt. Danach feierte man.", "Am 3. Oktober 1990 wurde Deutschland vereinigt.|Danach feierte man."},
		{"Wir brauchen z. B. Wasser und u. a. Brot. Das reicht.", "Wir brauchen z. B. Wasser und u. a. Brot.|Das reicht."},
		{"Wir trafen Dr. med. Weber in der Klinik. Er war müde.", "Wir trafen Dr. med. Weber in der Klinik.|Er war müde."},
		{"Die Kirche stammt aus dem 12. Jahrhundert. Sie ist alt.", "Die Kirche stammt aus dem 12. Jahrhundert.|Sie ist alt."},
		{"Das steht auf S. 42, vgl. Anm. 3. Mehr dort.", "Das steht auf S. 42, vgl. Anm. 3.|Mehr dort."},
		{"Er kam zum 01. Januar 2015 und blieb bis zum 3. Mal. Dann ging er.", "Er kam zum 01. Januar 2015 und blieb bis zum 3. Mal.|Dann ging er."},
		{"Sie belegte Platz 3. Das war gut.", "Sie belegte Platz 3.|Das war gut."},
		{"Funde aus dem 1. -3. Jahrhundert sind selten.", "Funde aus dem 1. -3. Jahrhundert sind selten."},
		{"Er zahlte 1.250,50 Euro. Das war teuer.", "Er zahlte 1.250,50 Euro.|Das war teuer."},
		{"„Ich komme morgen.“ Sie nickte.", "„Ich komme morgen.“|Sie nickte."},
		{"Die Firma wurde 2004 gegründet. Sie hat 20 Mitarbeiter.", "Die Firma wurde 2004 gegründet.|Sie hat 20 Mitarbeiter."},
	},
	"fr": {
		{"M. Dupont est arrivé. Mme Durand aussi.", "M. Dupont est arrivé.|Mme Durand aussi."},
		{"Il a dit « Bonjour. » Puis il est parti.", "Il a dit « Bonjour. »|Puis il est parti."},
		{"Voir p. 12 et chap. 4 du livre. C'est clair.", "Voir p. 12 et chap. 4 du livre.|C'est clair."},
		{"Est-ce vrai ? Oui ! C'est vrai.", "Est-ce vrai ?|Oui !|C'est vrai."},
		{"La ville compte 2,5 millions d'habitants. Elle est grande.", "La ville compte 2,5 millions d'habitants.|Elle est grande."},
	},
	"es": {
		{"El Sr. García llegó tarde. La Dra. López no.", "El Sr. García llegó tarde.|La Dra. López no."},
		{"¿Vienes mañana? ¡Claro que sí! Hasta luego.", "¿Vienes mañana?|¡Claro que sí!|Hasta luego."},
		{"Véase la pág. 23 del informe. Es breve.", "Véase la pág. 23 del informe.|Es breve."},
	},
	"it": {
		{"Il Sig. Rossi e il Dott. Bianchi sono arrivati. Poi sono partiti.", "Il Sig. Rossi e il Dott. Bianchi sono arrivati.|Poi sono partiti."},
		{"Vedi pag. 10 e cap. 2. Fine.", "Vedi pag. 10 e cap. 2.|Fine."},
	},
	"pt": {
		{"O Sr. Silva chegou cedo. A Dra. Costa também.", "O Sr. Silva chegou cedo.|A Dra. Costa também."},
		{"Ver pág. 5 do livro. Está certo?", "Ver pág. 5 do livro.|Está certo?"},
	},
	"nl": {
		{"Dhr. Jansen kwam gisteren. Hij bleef lang.", "Dhr. Jansen kwam gisteren.|Hij bleef lang."},
		{"Er waren bijv. appels en peren. Het was genoeg.", "Er waren bijv. appels en peren.|Het was genoeg."},
	},
	"pl": {
		{"Prof. Nowak przyjechał w 1990 r. Potem wyjechał.", "Prof. Nowak przyjechał w 1990 r.|Potem wyjechał."},
		{"W 1990 r. został np. dyrektorem ok. 20 szkół. Tak mówiono.", "W 1990 r. został np. dyrektorem ok. 20 szkół.|Tak mówiono."},
		{"Spotkał m.in. dr. Kowalskiego. To było ważne.", "Spotkał m.in. dr. Kowalskiego.|To było ważne."},
	},
	"ru": {
		{"Это т. е. пример. Следующее предложение.", "Это т. е. пример.|Следующее предложение."},
		{"А. С. Пушкин родился в Москве. Он был поэтом.", "А. С. Пушкин родился в Москве.|Он был поэтом."},
		{"Было много книг, журналов и т. д. Затем пришёл он.", "Было много книг, журналов и т. д.|Затем пришёл он."},
		{"Он сказал: «Я приду». Она кивнула.", "Он сказал: «Я приду».|Она кивнула."},
		{"См. рис. 5 на стр. 12. Всё понятно.", "См. рис. 5 на стр. 12.|Всё понятно."},
	},
	"uk": {
		{"Див. вул. Шевченка на мапі. Це центр.", "Див. вул. Шевченка на мапі.|Це центр."},
	},
	"cs": {
		{"Narodil se 5. května 1900. Zemřel později.", "Narodil se 5. května 1900.|Zemřel později."},
	},
	"ko": {
		{"서울은 한국의 수도이다. 인구는 약 1000만 명이다.", "서울은 한국의 수도이다.|인구는 약 1000만 명이다."},
		{"정말요? 네, 맞아요!", "정말요?|네, 맞아요!"},
	},
	"hi": {
		{"भारत एक विशाल देश है। इसकी राजधानी नई दिल्ली है।", "भारत एक विशाल देश है।|इसकी राजधानी नई दिल्ली है।"},
		{"क्या आप आएँगे? हाँ, ज़रूर॥ ठीक है।", "क्या आप आएँगे?|हाँ, ज़रूर॥|ठीक है।"},
	},
	"ar": {
		{"القاهرة عاصمة مصر. وهي مدينة كبيرة؟ نعم!", "القاهرة عاصمة مصر.|وهي مدينة كبيرة؟|نعم!"},
	},
	"fa": {
		{"تهران پایتخت ایران است. آیا بزرگ است؟ بله.", "تهران پایتخت ایران است.|آیا بزرگ است؟|بله."},
	},
	"el": {
		{"Η Αθήνα είναι πρωτεύουσα. Είναι μεγάλη;", "Η Αθήνα είναι πρωτεύουσα.|Είναι μεγάλη;"},
	},
	"he": {
		{"ירושלים היא עיר עתיקה. היא יפה מאוד!", "ירושלים היא עיר עתיקה.|היא יפה מאוד!"},
	},
	"zh": {
		// The Japanese rules, unchanged: closing quotes and brackets stay
		// with the sentence they end, a cut inside a pair closed on the
		// line is undone, 3.5 is a number.
		{"北京是中国的首都。你去过吗？“我去过。”他说。", "北京是中国的首都。|你去过吗？|“我去过。”|他说。"},
		{"他说：“今天很好！”然后走了。价格是3.5元。", "他说：“今天很好！”|然后走了。|价格是3.5元。"},
		{"他说：“今天很好，明天也好。”价格是3.5元。", "他说：“今天很好，明天也好。”|价格是3.5元。"},
		{"这是（注意。）重要的事！真的吗？！", "这是（注意。）|重要的事！|真的吗？！"},
		{"他写了《红楼梦。续》一书。", "他写了《红楼梦。续》一书。"},
	},
	"bg":  {{"София е столицата на България. Тя е голям град.", "София е столицата на България.|Тя е голям град."}},
	"bn":  {{"ঢাকা বাংলাদেশের রাজধানী। এটি একটি বড় শহর।", "ঢাকা বাংলাদেশের রাজধানী।|এটি একটি বড় শহর।"}},
	"ca":  {{"El Sr. Puig va arribar a Barcelona. Després va marxar.", "El Sr. Puig va arribar a Barcelona.|Després va marxar."}},
	"ceb": {{"Ang Sugbo usa ka lungsod. Daghan ang mga tawo didto.", "Ang Sugbo usa ka lungsod.|Daghan ang mga tawo didto."}},
	"da":  {{"København er hovedstaden. Den 3. oktober regnede det.", "København er hovedstaden.|Den 3. oktober regnede det."}},
	"fi":  {{"Helsinki on pääkaupunki. Se sijaitsee etelässä.", "Helsinki on pääkaupunki.|Se sijaitsee etelässä."}},
	"hu":  {{"Budapest a főváros, pl. a Duna partján. Nagy város.", "Budapest a főváros, pl. a Duna partján.|Nagy város."}},
	"id":  {{"Jakarta adalah ibu kota. Kota ini sangat besar.", "Jakarta adalah ibu kota.|Kota ini sangat besar."}},
	"lo":  {{"ວຽງຈັນເປັນນະຄອນຫຼວງ ຂອງລາວ", "ວຽງຈັນເປັນນະຄອນຫຼວງ ຂອງລາວ"}},
	"no":  {{"Oslo er hovedstaden. Byen ligger ved fjorden.", "Oslo er hovedstaden.|Byen ligger ved fjorden."}},
	"ro":  {{"București este capitala. Orașul este mare.", "București este capitala.|Orașul este mare."}},
	"sr":  {{"Београд је главни град. Он је велик.", "Београд је главни град.|Он је велик."}},
	"sv":  {{"Stockholm är huvudstaden, t.ex. för regeringen. Staden är stor.", "Stockholm är huvudstaden, t.ex. för regeringen.|Staden är stor."}},
	"tr":  {{"Ankara başkenttir. İstanbul en büyük şehirdir.", "Ankara başkenttir.|İstanbul en büyük şehirdir."}},
	"vi":  {{"Hà Nội là thủ đô. Thành phố này rất lớn.", "Hà Nội là thủ đô.|Thành phố này rất lớn."}},
	"war": {{"An Tacloban usa nga syudad. Damu an mga tawo.", "An Tacloban usa nga syudad.|Damu an mga tawo."}},
	"arz": {{"القاهرة عاصمة مصر. هي مدينة كبيرة.", "القاهرة عاصمة مصر.|هي مدينة كبيرة."}},
	"ja":  {{"東京は首都である。「はい。」と彼は言った。", "東京は首都である。|「はい。」と彼は言った。"}},
	"th": {
		{"กรุงเทพมหานครเป็นเมืองหลวง ของประเทศไทย มีประชากรมาก", "กรุงเทพมหานครเป็นเมืองหลวง ของประเทศไทย มีประชากรมาก"},
	},
}

func TestSplitterForLanguages(t *testing.T) {
	for code, cases := range splitCases {
		s, err := SplitterFor(code)
		if err != nil {
			t.Fatalf("SplitterFor(%q): %v", code, err)
		}
		for _, tc := range cases {
			got := strings.Join(s.AppendSentences(nil, tc.in), "|")
			if got != tc.want {
				t.Errorf("%s: %q\n got %q\nwant %q", code, tc.in, got, tc.want)
			}
			var lines []byte
			lines = s.AppendSentenceLines(lines, []byte(tc.in))
			if want := strings.ReplaceAll(tc.want, "|", "\n") + "\n"; string(lines) != want {
				t.Errorf("%s: AppendSentenceLines(%q) = %q, want %q", code, tc.in, lines, want)
			}
		}
	}
}

// TestEveryLanguageHasCases: every supported language has test text.
func TestEveryLanguageHasCases(t *testing.T) {
	for _, l := range langs.All() {
		if len(splitCases[l.Code]) == 0 {
			t.Errorf("no splitter test text for %s (%s)", l.Code, l.Name)
		}
	}
}

func TestSplitterForUnknown(t *testing.T) {
	if _, err := SplitterFor("xx"); err == nil || !strings.Contains(err.Error(), "supported are") {
		t.Errorf("SplitterFor(xx): %v", err)
	}
}

// TestJapaneseSplitterUnchanged holds SplitterFor("ja") to NewSplitter:
// the Japanese output stays what it was.
func TestJapaneseSplitterUnchanged(t *testing.T) {
	ja, err := SplitterFor("ja")
	if err != nil {
		t.Fatal(err)
	}
	def, err := NewSplitter()
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"「はい。」と彼は言った。次の文。", "東京（とうきょう。旧称）は首都。Mr. Smith が来た。", "1. 概要\n本当?3人"} {
		if a, b := strings.Join(ja.AppendSentences(nil, in), "|"), strings.Join(def.AppendSentences(nil, in), "|"); a != b {
			t.Errorf("%q: ja %q, default %q", in, a, b)
		}
	}
}

// checkSentences holds sentences to the contract every splitter keeps: in
// order, substrings of text, no '\n' and no white space at either end, and
// together with the white space between them the whole of text.
func checkSentences(t *testing.T, text string, sents []string) {
	t.Helper()
	rest := text
	for _, s := range sents {
		if s == "" || strings.ContainsRune(s, '\n') || strings.TrimSpace(s) != s {
			t.Fatalf("bad sentence %q of %q", s, text)
		}
		i := strings.Index(rest, s)
		if i < 0 || strings.TrimFunc(rest[:i], unicode.IsSpace) != "" {
			t.Fatalf("sentence %q is not next in %q (of %q)", s, rest, text)
		}
		rest = rest[i+len(s):]
	}
	if strings.TrimFunc(rest, unicode.IsSpace) != "" {
		t.Fatalf("text %q left after the sentences of %q", rest, text)
	}
}

func fuzzSplitter(f *testing.F, code string) {
	for _, c := range splitCases[code] {
		f.Add(c.in)
	}
	f.Add("a. B. c! D? «e.» ( f. ) 1. 2.3 z. B. т. е.\n\n  x.\tY.")
	s, err := SplitterFor(code)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if !validUTF8(text) {
			return
		}
		sents := s.AppendSentences(nil, text)
		checkSentences(t, text, sents)
		// Line by line, the LineFunc writes the same sentences.
		var want []string
		for _, line := range strings.Split(text, "\n") {
			got := s.AppendSentenceLines(nil, []byte(line))
			ls := s.AppendSentences(nil, line)
			if len(ls) == 0 {
				if string(got) != "\n" {
					t.Fatalf("blank line %q gave %q", line, got)
				}
				continue
			}
			if string(got) != strings.Join(ls, "\n")+"\n" {
				t.Fatalf("line %q: AppendSentenceLines %q, AppendSentences %q", line, got, ls)
			}
			want = append(want, ls...)
		}
		if strings.Join(want, "\n") != strings.Join(sents, "\n") {
			t.Fatalf("per line %q, whole %q", want, sents)
		}
	})
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func FuzzUAXSplitterEnglish(f *testing.F) { fuzzSplitter(f, "en") }
func FuzzUAXSplitterGerman(f *testing.F)  { fuzzSplitter(f, "de") }
func FuzzUAXSplitterRussian(f *testing.F) { fuzzSplitter(f, "ru") }
func FuzzUAXSplitterHindi(f *testing.F)   { fuzzSplitter(f, "hi") }
func FuzzChineseSplitter(f *testing.F)    { fuzzSplitter(f, "zh") }
func FuzzParagraphSplitter(f *testing.F)  { fuzzSplitter(f, "th") }

func BenchmarkUAXSplitterGerman(b *testing.B) {
	s := NewUAXSplitter("de")
	text := strings.Repeat("Die Stadt liegt am 3. Oktober 1990 im Norden des Landes, z. B. mit ca. 20.000 Einwohnern. Der Fluss entstand im 12. Jahrhundert! Wurde er zerstört? Ja.\n", 2000)
	b.SetBytes(int64(len(text)))
	var dst []string
	for b.Loop() {
		dst = s.AppendSentences(dst[:0], text)
	}
}

// TestUAXWindowsMatchFullIterator holds appendLine, which skips the
// iterator on a line without an inner terminal, to appendLineFull, which
// always runs it, on random text dense with terminals, closers and
// abbreviations.
func TestUAXWindowsMatchFullIterator(t *testing.T) {
	parts := []string{"a", "B", "Dr", "z", "3", "12", " ", "  ", ".", "!", "?", "?!", "...", "»", "« ", ")", "(", "\"", "'", "”",
		"।", "؟", "。", "\u2026", "\u00a0", "é", "Ü", "т", "е", "U.S", "e.g", ",", ":", "-", "\t", "abc", "Xyz", "ß",
		",,", "''", "1)", "[", "]", "977", "июля", "요", "니다"}
	r := rand.New(rand.NewPCG(3, 4))
	for _, code := range []string{"en", "de", "ru", "hi", "nl", "it", "pl", "ko"} {
		s := NewUAXSplitter(code)
		for range 20000 {
			var b strings.Builder
			for range 1 + r.IntN(14) {
				b.WriteString(parts[r.IntN(len(parts))])
			}
			line := []byte(b.String())
			got := s.appendLine(nil, line, 0)
			want := s.appendLineFull(nil, line, 0)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s %q: windows %v, full %v", code, line, got, want)
			}
		}
	}
}

func FuzzUAXWindows(f *testing.F) {
	f.Add("Mr. Smith. U.S. Army! Really?! «Oui.» Fin। ok")
	s := NewUAXSplitter("en")
	f.Fuzz(func(t *testing.T, text string) {
		line := []byte(strings.ReplaceAll(text, "\n", " "))
		if !validUTF8(string(line)) {
			return
		}
		if got, want := s.appendLine(nil, line, 0), s.appendLineFull(nil, line, 0); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%q: windows %v, full %v", line, got, want)
		}
	})
}

// ruleCases hold the rules of uax_rules.go and the ASCII closers, with
// text written for these tests: what each rule cuts and what it leaves.
var ruleCases = []struct{ code, in, want string }{
	// A dialogue dash after a terminal opens a sentence before a capital.
	{"pl", "Nie wiem! - Rozumiem, pani doktor.", "Nie wiem!|- Rozumiem, pani doktor."},
	{"pl", "- Idziemy? - zapytał cicho.", "- Idziemy? - zapytał cicho."},
	{"ru", "Он ушёл. – Куда? – Домой.", "Он ушёл.|– Куда?|– Домой."},
	{"es", "Fue en 1990. — Después volvió.", "Fue en 1990.|— Después volvió."},
	{"en", "See Dr. - Smith wrote it.", "See Dr. - Smith wrote it."},
	{"de", "Die Jahre 1990. - 1995. waren gut.", "Die Jahre 1990. - 1995. waren gut."},
	// A long word, a period and a lower-case word: a new sentence.
	{"it", "Arrivarono i fuorilegge. poi la polizia chiuse la strada.", "Arrivarono i fuorilegge.|poi la polizia chiuse la strada."},
	{"en", "We bought apples, pears, etc. and then left.", "We bought apples, pears, etc. and then left."},
	{"en", "It weighs approx. two tons.", "It weighs approx. two tons."},
	{"de", "Er wohnte dort ca. drei Jahre, ausschl. im Winter.", "Er wohnte dort ca. drei Jahre, ausschl. im Winter."},
	{"pl", "Tak jak po wojnie... zabierzcie wszystko.", "Tak jak po wojnie... zabierzcie wszystko."},
	{"en", "The file is readme.txt and setup.exe here.", "The file is readme.txt and setup.exe here."},
	// Korean final endings without punctuation.
	{"ko", "음식이 정말 맛있어요 다음에 또 올게요", "음식이 정말 맛있어요|다음에 또 올게요"},
	{"ko", "직원이 친절합니다 가격도 괜찮습니다.", "직원이 친절합니다|가격도 괜찮습니다."},
	{"ko", "그건 좀 그렇죠 다시 생각해 봐요", "그건 좀 그렇죠|다시 생각해 봐요"},
	{"ko", "가는 길 좀 알려줘 지금 출발할게", "가는 길 좀 알려줘|지금 출발할게"},
	{"ko", "주요 도시와 중요 문화재가 필요 이상으로 많다.", "주요 도시와 중요 문화재가 필요 이상으로 많다."},
	{"ko", "그는 열었다 닫았다 했다.", "그는 열었다 닫았다 했다."},
	{"ko", "좋아요, 그럼 가요.", "좋아요, 그럼 가요."},
	// A Dutch opening quote ,, after a terminal opens a sentence.
	{"nl", "Hij knikte. ,,Dat klopt.'' Daarna ging hij.", "Hij knikte.|,,Dat klopt.''|Daarna ging hij."},
	{"nl", "Zij zweeg. ,, Ik weet het niet.", "Zij zweeg.|,, Ik weet het niet."},
	{"nl", "Hij zei dat,,het volk erom vraagt''.", "Hij zei dat,,het volk erom vraagt''."},
	{"nl", "Hij zei: ,,Kom hier.''", "Hij zei: ,,Kom hier.''"},
	{"nl", "Zie blz. ,,Inleiding'' voor meer.", "Zie blz. ,,Inleiding'' voor meer."},
	{"nl", "Het kost 3,,50 euro.", "Het kost 3,,50 euro."},
	// A quoted question or exclamation before a lower-case attribution.
	{"nl", ",,Komt u morgen?'' vroeg hij. Ik knikte.", ",,Komt u morgen?'' vroeg hij.|Ik knikte."},
	{"en", `"Why?" he asked. "Because!" she said.`, `"Why?" he asked.|"Because!" she said.`},
	{"en", `"Stop!" They ran.`, `"Stop!"|They ran.`},
	{"en", "Really? yes, really.", "Really?|yes, really."},
	// A number after a period and a long word, then a lower-case word.
	{"ru", "Группа начала работу над альбомом. 17 июля вышел сингл.", "Группа начала работу над альбомом.|17 июля вышел сингл."},
	{"ru", "См. ст. 5 закона и с. 15 книги, т. 2 собрания.", "См. ст. 5 закона и с. 15 книги, т. 2 собрания."},
	{"ru", "Это сказано в прим. 3 к тексту.", "Это сказано в прим. 3 к тексту."},
	{"ru", "Его рост вырос до 2,5 тыс. человек.", "Его рост вырос до 2,5 тыс. человек."},
	{"en", "It weighs approx. 5 tons.", "It weighs approx. 5 tons."},
	{"en", "It was rebuilt. 12 people live there.", "It was rebuilt.|12 people live there."},
	{"de", "Er kam am 3. Oktober. 12 Leute warteten.", "Er kam am 3. Oktober.|12 Leute warteten."},
	{"de", "Die Zahl ist 3. 14 ist falsch.", "Die Zahl ist 3. 14 ist falsch."}, // a number, not a word, before the period: left
	// A list item or a bracket after a sentence end.
	{"it", "Valgono queste distanze locali. 1) tre metri per gli alberi.", "Valgono queste distanze locali.|1) tre metri per gli alberi."},
	{"it", "Lei non ha partecipato alla riunione. (applausi dal gruppo).", "Lei non ha partecipato alla riunione.|(applausi dal gruppo)."},
	{"it", "Non può danneggiare il vicino [877]. in ogni caso prevale.", "Non può danneggiare il vicino [877].|in ogni caso prevale."},
	{"it", "Vedi pag. 1) e pag. (seconda).", "Vedi pag. 1) e pag. (seconda)."},
	{"it", "Frutta, verdura ecc. e altro; es. (vedi sotto) il pane.", "Frutta, verdura ecc. e altro; es. (vedi sotto) il pane."},
	{"en", "We use e.g. (see above) the same tool.", "We use e.g. (see above) the same tool."},
	// An article number after a sentence end heads the next sentence.
	{"it", "Si applica la regola (2964 e seguenti). 977. Enfiteusi delle persone giuridiche.", "Si applica la regola (2964 e seguenti).|977. Enfiteusi delle persone giuridiche."},
	{"it", "Vale la regola. 1012. Usurpazioni e azioni.", "Vale la regola.|1012. Usurpazioni e azioni."},
	{"en", "It was built in 1990. 2004 was the year it burned.", "It was built in 1990. 2004 was the year it burned."}, // left, as above
	{"en", "Prices rose by 3.5 percent. Then they fell.", "Prices rose by 3.5 percent.|Then they fell."},
	// ASCII closing quotes a space separates from their terminal.
	{"nl", "We gaan door. '' Daarna stopte hij.", "We gaan door. ''|Daarna stopte hij."},
	{"en", `He left. " Then rain fell.`, `He left. "|Then rain fell.`},
	{"en", `He left. "Then," she said.`, `He left.|"Then," she said.`},
}

func TestUAXRules(t *testing.T) {
	for _, tc := range ruleCases {
		s := NewUAXSplitter(tc.code)
		got := strings.Join(s.AppendSentences(nil, tc.in), "|")
		if got != tc.want {
			t.Errorf("%s: %q\n got %q\nwant %q", tc.code, tc.in, got, tc.want)
		}
		checkSentences(t, tc.in, s.AppendSentences(nil, tc.in))
	}
}

func FuzzUAXSplitterKorean(f *testing.F) {
	for _, tc := range ruleCases {
		if tc.code == "ko" {
			f.Add(tc.in)
		}
	}
	fuzzSplitter(f, "ko")
}

func FuzzUAXSplitterPolish(f *testing.F) { fuzzSplitter(f, "pl") }

func FuzzUAXSplitterDutch(f *testing.F) {
	f.Add("Hij zei: ,,Nee.'' En toen? ,,Ja!'' riep ze. Dat was het. ,,De rest volgt.")
	fuzzSplitter(f, "nl")
}

func FuzzUAXSplitterItalian(f *testing.F) {
	f.Add("Vedi art. 977. Enfiteusi. Gli altri [877]. in ogni caso ecc. e poi locali. 1) tre metri.")
	fuzzSplitter(f, "it")
}
