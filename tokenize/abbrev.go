package tokenize

// Per-language abbreviations after which a period does not end a sentence
// even before a capital letter (UAX #29 already keeps a period before a
// lower-case word). Words are listed without their period; a word is also
// matched with its first letter in lower case, so "Vgl." at a sentence
// start counts as "vgl". Capital initials (J. R. R. Tolkien, А. С. Пушкин)
// and dotted runs of short parts (z.B., U.S., т.е., m.in.) are recognised
// without being listed. Abbreviations that often end a sentence (etc.,
// usw., и т. д., и др., г., 1990 r.) are left out on purpose: before a
// capital they cut. Abbreviations of six letters or more are listed also
// when they do not end a sentence before a capital, because a period after
// a word that long ends a sentence even before a lower-case word unless
// the word is listed (see uax_rules.go).
var langAbbreviations = map[string][]string{
	"en": {"Mr", "Mrs", "Ms", "Dr", "Prof", "Sr", "Jr", "St", "Mt", "vs", "cf", "Fig", "Figs",
		"Vol", "Vols", "No", "Nos", "pp", "ca", "approx", "Gen", "Col", "Lt", "Sgt", "Capt", "Rev",
		"Gov", "Sen", "Rep", "Hon", "Jan", "Feb", "Aug", "Sept", "Oct", "Nov", "Dec", "Ave", "Blvd",
		"Mssrs", "Messrs", "Ft", "Adm", "Cmdr", "Brig", "Pres", "Supt", "Ph", "viz", "al"},
	"de": {"Dr", "Prof", "St", "Nr", "Bd", "Bde", "Hr", "Hrn", "Fr", "Abb", "Abs", "Anm", "Aufl", "bzw",
		"ca", "evtl", "ggf", "Hrsg", "hrsg", "inkl", "Jh", "Jhd", "Jhs", "Kap", "Mio", "Mrd", "Std", "Str",
		"vgl", "geb", "gest", "sog", "Tel", "Verf", "Vol", "zit", "zzgl", "Ing", "Dipl", "Mag", "Pfr",
		"Sankt", "Gebr", "med", "kath", "evang", "ev", "Jg", "Lfg", "Tab", "Bl", "ebd", "insb", "einschl", "max", "min", "Mitgl",
		"ausschl", "insbes", "bezügl", "hinsichtl", "eigentl", "ursprüngl", "monatl", "wöchentl",
		"z", "d", "u", "o", "s", "v", "i", "e", "n", "a"},
	"fr": {"M", "MM", "Mme", "Mmes", "Mlle", "Mlles", "Dr", "Pr", "Me", "St", "Ste", "Mgr", "av", "apr",
		"p", "pp", "vol", "chap", "éd", "env", "cf", "no", "art", "fig", "coll", "dir", "ibid", "op",
		"hab", "km", "trad", "anc", "Cie", "Jr"},
	"es": {"Sr", "Sra", "Srta", "Sres", "Dr", "Dra", "Lic", "Ud", "Uds", "Vd", "Vds", "pág", "págs", "vol",
		"núm", "ej", "aprox", "art", "Av", "Avda", "Gral", "Prof", "Dña", "Dn", "Sto", "Sta", "cap",
		"p", "pp", "fig", "tel", "Ing", "Arq", "Excmo", "Ilmo", "admón", "cía", "Cía", "dcha", "izq"},
	"it": {"Sig", "Sigg", "Sigra", "Dott", "Dr", "Prof", "Avv", "Ing", "On", "Geom", "Rag", "pag",
		"pagg", "vol", "cfr", "art", "es", "ca", "cap", "fig", "Mons", "Spett", "Egr", "tel", "nn", "n",
		"S", "SS", "sec", "p", "pp"},
	"pt": {"Sr", "Sra", "Srta", "Dr", "Dra", "Prof", "Profa", "Exmo", "Exma", "pág", "págs", "vol",
		"art", "nº", "Av", "cap", "fig", "aprox", "ca", "p", "pp", "ex", "séc", "Eng", "Jr", "núm",
		"tel", "Sto", "Sta", "Ltda", "Cia"},
	"nl": {"dhr", "mevr", "mr", "dr", "prof", "ir", "ing", "drs", "bijv", "bv", "blz", "ca", "mln",
		"mld", "nr", "resp", "vgl", "jl", "St", "Sint", "Mgr", "pag", "zgn", "Dhr", "Mevr", "Mr", "Dr",
		"Prof", "Ir", "Ing", "Drs", "afd", "art", "pag", "vs", "Jr", "Sr"},
	"pl": {"dr", "inż", "mgr", "prof", "hab", "ks", "nr", "ok", "pkt", "tzw", "tj", "ww", "np", "godz",
		"ul", "al", "św", "gen", "płk", "ppłk", "kpt", "por", "ppor", "mjr", "im", "tys", "mln", "mld",
		"wg", "zob", "jw", "ds", "cdn", "tzn", "wyd", "red", "oprac", "tłum", "pt", "ur", "zm", "ob",
		"woj", "pow", "gm", "par", "art", "ust", "Dz", "poz", "str", "s", "m", "in", "p"},
	"ru": {"т", "е", "к", "н", "п", "см", "стр", "им", "ул", "тыс", "млн", "млрд", "руб", "проф",
		"акад", "св", "рис", "ок", "ср", "напр", "гл", "пр", "обл", "с", "чл", "корр",
		"доц", "канд", "докт", "ст", "пос", "пл", "пер", "наб", "кв", "зам", "ген", "полк", "кап",
		"л", "о", "ж", "п", "экз", "т.е", "т.к", "т.н", "т.о"},
	"uk": {"т", "с", "див", "ім", "вул", "тис", "млн", "млрд", "проф", "акад", "св", "рис", "напр",
		"обл", "р", "ст", "пл", "зам", "ген", "доц", "канд", "ін", "пр"},
	"cs": {"např", "tj", "tzv", "resp", "mj", "str", "č", "sv", "roč", "ing", "Ing", "Mgr", "Dr", "MUDr",
		"JUDr", "PhDr", "RNDr", "doc", "prof", "Prof", "gen", "kpt", "pplk", "plk", "mjr", "ul", "nám",
		"tis", "mil", "mld", "atd", "aj", "tzn", "viz", "př", "n", "l", "kol", "s", "r", "p"},
	"sv": {"bl", "dvs", "fr", "f", "kl", "mfl", "m", "osv", "s", "t", "tex", "tr", "ung", "jfr",
		"nr", "resp", "st", "St", "Dr", "Prof", "d", "v", "e", "o", "ca", "fil", "kand", "doc"},
	"ca": {"Sr", "Sra", "Dr", "Dra", "St", "Sta", "pàg", "vol", "núm", "p", "pp", "art", "cap", "aprox",
		"c", "ca", "fig", "Av", "Pl", "av"},
	"hu": {"dr", "Dr", "id", "ifj", "ld", "pl", "stb", "u", "ún", "kb", "sz", "vö", "ill", "uo", "Ny",
		"tel", "em", "tc", "prof", "Prof", "hrsz", "krt", "sgt", "alt", "dec",
		"jan", "febr", "márc", "ápr", "jún", "júl", "aug", "szept", "okt", "nov"},
}

// ordinalContext holds, for languages that write ordinals as a numeral and
// a period before a capitalised noun (German: "am 3. Oktober", "im 12.
// Jahrhundert"), the words that come before such an ordinal and the words
// that follow one. A period after one to three digits does not end a
// sentence when one of the "before" words precedes the number or one of
// the "after" words follows it. Other languages that write ordinals so
// (Polish, Czech, Danish, Finnish, Hungarian...) write the month and most
// such nouns in lower case, before which UAX #29 does not cut anyway; a
// capital after "3." there is more often a new sentence.
var ordinalContext = map[string]struct{ before, after []string }{
	"de": {
		before: []string{"der", "die", "das", "dem", "den", "des", "am", "im", "vom", "zum", "zur", "beim",
			"ins", "bis", "ab", "seit", "vor", "nach", "um", "gegen", "ihr", "ihre", "ihrem", "ihren",
			"sein", "seine", "seinem", "seinen", "seiner", "ihrer", "jeder", "jedem", "jeden", "alle", "Der",
			"Die", "Das", "Am", "Im", "Vom", "Zum", "Zur", "Bis", "Ab", "Seit", "Vor", "Nach", "und", "oder",
			"bzw"},
		after: []string{"Januar", "Jänner", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
			"September", "Oktober", "November", "Dezember", "Jahrhundert", "Jahrhunderts", "Jahrtausend",
			"Jahrtausends", "Mal", "Platz", "Rang", "Liga", "Klasse", "Auflage", "Stock", "Etage", "Runde",
			"Spieltag", "Armee", "Division", "Regiment", "Sinfonie", "Symphonie", "Kapitel", "Band",
			"Staffel", "Folge", "Bundestag", "Wahlperiode", "Legislaturperiode", "Dynastie", "Kongress",
			"Geburtstag", "Todestag", "Jahrestag", "Lebensjahr", "Grades", "Grad", "Ordnung", "Weltkrieg",
			"Mannschaft", "Bundesliga", "Internationale"},
	},
}
