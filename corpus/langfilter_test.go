package corpus

import (
	"testing"

	"github.com/calibkit/calibkit/langs"
)

// ownLines holds a line of prose in every supported language.
var ownLines = map[string]string{
	"ar":  "القاهرة هي عاصمة مصر وأكبر مدنها من حيث عدد السكان.",
	"arz": "القاهره هي عاصمة مصر و اكبر مدينه فيها.",
	"bg":  "София е столицата и най-големият град на България.",
	"bn":  "ঢাকা বাংলাদেশের রাজধানী এবং সবচেয়ে বড় শহর।",
	"ca":  "Barcelona és la capital de Catalunya i una ciutat molt gran.",
	"ceb": "Ang Sugbo usa ka lungsod sa Pilipinas ug daghan ang mga tawo didto.",
	"cs":  "Praha je hlavní a největší město České republiky a leží na Vltavě.",
	"da":  "København er hovedstaden i Danmark og landets største by.",
	"de":  "Berlin ist die Hauptstadt und mit über drei Millionen Einwohnern die größte Stadt Deutschlands.",
	"el":  "Η Αθήνα είναι η πρωτεύουσα και η μεγαλύτερη πόλη της Ελλάδας.",
	"en":  "London is the capital and largest city of England and the United Kingdom.",
	"es":  "Madrid es la capital de España y la ciudad más poblada del país.",
	"fa":  "تهران پایتخت و بزرگ\u200cترین شهر ایران است.",
	"fi":  "Helsinki on Suomen pääkaupunki ja maan suurin kaupunki, joka sijaitsee etelärannikolla.",
	"fr":  "Paris est la capitale de la France et la ville la plus peuplée du pays.",
	"he":  "ירושלים היא בירת ישראל והעיר הגדולה ביותר בה.",
	"hi":  "नई दिल्ली भारत की राजधानी है और यह एक बड़ा शहर है।",
	"hu":  "Budapest Magyarország fővárosa és egyben a legnépesebb települése is.",
	"id":  "Jakarta adalah ibu kota dan kota terbesar di Indonesia yang terletak di pulau Jawa.",
	"it":  "Roma è la capitale d'Italia e il comune più popoloso del paese.",
	"ja":  "東京は日本の首都であり、最大の都市である。",
	"ko":  "서울은 대한민국의 수도이자 최대 도시이다.",
	"lo":  "ວຽງຈັນເປັນນະຄອນຫຼວງຂອງປະເທດລາວ",
	"nl":  "Amsterdam is de hoofdstad van Nederland en de grootste stad van het land.",
	"no":  "Oslo er hovedstaden i Norge og landets største by med mange innbyggere.",
	"pl":  "Warszawa jest stolicą Polski i największym miastem w kraju.",
	"pt":  "Lisboa é a capital de Portugal e a cidade mais populosa do país.",
	"ro":  "București este capitala României și cel mai mare oraș din țară.",
	"ru":  "Москва — столица России и крупнейший по численности населения город страны.",
	"sr":  "Београд је главни и највећи град Србије.",
	"sv":  "Stockholm är Sveriges huvudstad och landets största stad med många invånare.",
	"th":  "กรุงเทพมหานครเป็นเมืองหลวงและนครที่มีประชากรมากที่สุดของประเทศไทย",
	"tr":  "Ankara Türkiye'nin başkenti ve İstanbul'dan sonra en kalabalık ikinci şehridir.",
	"uk":  "Київ — столиця та найбільше місто України.",
	"vi":  "Hà Nội là thủ đô của nước Việt Nam và là một thành phố lớn.",
	"war": "An Tacloban usa nga syudad ha Pilipinas ngan damu an mga tawo didto.",
	"zh":  "北京是中华人民共和国的首都，也是全国的政治中心。",
}

// TestLangFilterEveryLanguage: the filter of every language keeps its own
// prose and drops an English line (for the languages written in another
// script by the script share, for the Latin-script ones the identifier
// knows by function words or the identifier).
func TestLangFilterEveryLanguage(t *testing.T) {
	english := ownLines["en"]
	for _, l := range langs.All() {
		line, ok := ownLines[l.Code]
		if !ok {
			t.Errorf("no test line for %s", l.Code)
			continue
		}
		if l.Code == "ja" {
			continue // the Japanese filter is scanLine
		}
		f, err := newLangFilter(l.Code, 0, true, DefaultLangIDMinWords)
		if err != nil {
			t.Fatal(err)
		}
		if v := f.check(line); v != langKeep && v != langKeepChecked {
			t.Errorf("%s: own line %q dropped (%d)", l.Code, line, v)
		}
		if l.Code == "en" {
			continue
		}
		latinUnidentified := l.Identify == "" && ownScriptLatin(l)
		if v := f.check(english); (v == langKeep || v == langKeepChecked) != latinUnidentified {
			t.Errorf("%s: English line verdict %d (script only: %v)", l.Code, v, latinUnidentified)
		}
	}
}

func ownScriptLatin(l *langs.Language) bool { return l.ScriptName == "Latin" }
