package langs

// words holds, per Latin-script language the identifier checks, some of
// its most frequent function words, lower case. A line of the language
// with a few words almost always holds one of them; only a line without
// any is handed to the (slow) identifier, which keeps the filter fast.
var words = map[string][]string{
	"ceb": {"ang", "sa", "nga", "ug", "og", "mga", "si", "usa", "kini", "siya", "adunay", "kay", "gikan"},
	"cs":  {"a", "v", "se", "na", "je", "že", "s", "z", "do", "o", "k", "to", "i", "jako", "byl", "pro", "po", "ve", "které", "který"},
	"da":  {"og", "i", "at", "er", "en", "det", "på", "til", "af", "med", "den", "som", "for", "var", "de", "har", "et"},
	"de":  {"der", "die", "und", "in", "den", "von", "zu", "das", "mit", "sich", "des", "auf", "für", "ist", "im", "dem", "nicht", "ein", "eine", "als", "auch", "es", "an", "er", "wurde", "bei", "aus", "nach", "zum", "zur"},
	"en":  {"the", "of", "and", "to", "in", "a", "is", "was", "for", "on", "that", "with", "as", "by", "he", "it", "at", "from", "his", "an", "are", "were", "which", "be", "this", "has", "had"},
	"es":  {"de", "la", "que", "el", "en", "y", "a", "los", "del", "se", "las", "por", "un", "para", "con", "una", "su", "al", "es", "lo", "como", "fue"},
	"fi":  {"ja", "on", "oli", "ei", "se", "että", "hän", "kun", "myös", "joka", "sen", "ovat", "mutta", "tai", "kuin", "jossa", "vuonna"},
	"fr":  {"de", "la", "le", "et", "les", "des", "en", "du", "un", "une", "à", "est", "que", "dans", "pour", "qui", "par", "sur", "au", "il", "a", "aux", "se", "son", "sa", "l", "d"},
	"hu":  {"a", "az", "és", "hogy", "is", "nem", "egy", "volt", "meg", "ez", "de", "mint", "csak", "már", "után", "pedig", "között"},
	"id":  {"yang", "dan", "di", "dari", "ini", "itu", "dengan", "untuk", "pada", "adalah", "dalam", "tidak", "ke", "oleh", "sebagai", "juga"},
	"it":  {"di", "e", "il", "la", "che", "a", "in", "per", "un", "del", "della", "è", "i", "le", "si", "con", "non", "una", "da", "dei", "nel", "al", "l", "fu"},
	"nl":  {"de", "van", "het", "een", "en", "in", "is", "op", "te", "dat", "die", "voor", "met", "zijn", "werd", "aan", "door", "als", "er", "bij", "uit"},
	"no":  {"og", "i", "er", "en", "det", "som", "på", "til", "av", "for", "med", "var", "den", "at", "har", "de", "et", "ble"},
	"pl":  {"w", "i", "na", "z", "się", "do", "nie", "że", "to", "jest", "o", "a", "jak", "od", "po", "przez", "był", "oraz", "jego", "dla", "roku"},
	"pt":  {"de", "a", "o", "que", "e", "do", "da", "em", "um", "para", "com", "uma", "os", "no", "se", "na", "por", "mais", "as", "dos", "foi", "é"},
	"ro":  {"și", "de", "în", "a", "la", "cu", "din", "pe", "care", "este", "un", "o", "să", "au", "fost", "mai", "al", "ca"},
	"sv":  {"och", "i", "att", "det", "som", "en", "på", "är", "av", "för", "med", "till", "den", "har", "de", "var", "ett", "om"},
	"tr":  {"ve", "bir", "bu", "da", "de", "için", "ile", "olarak", "olan", "çok", "daha", "gibi", "en", "ise", "sonra", "yılında"},
	"vi":  {"của", "và", "là", "có", "các", "trong", "được", "những", "một", "cho", "với", "không", "người", "này", "đã", "từ", "năm"},
}

// Words returns some of the language's most frequent function words, lower
// case, or nil when the language has no list (its lines are then checked
// by script only).
func (l *Language) Words() []string { return words[l.Code] }
