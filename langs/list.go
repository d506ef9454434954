package langs

import "unicode"

// list is the supported languages: the twenty largest Wikipedias by article
// count in November 2023 (en, ceb, de, fr, sv, nl, ru, es, it, arz, pl, ja,
// zh, vi, uk, war, ar, pt, fa, ca) and other large ones, so that every
// script family calibkit users quantize for is covered.
var list = []Language{
	{Code: "ar", Name: "Arabic", Script: unicode.Arabic, ScriptName: "Arabic", Segmenter: SegmentUAX29},
	{Code: "arz", Name: "Egyptian Arabic", Script: unicode.Arabic, ScriptName: "Arabic", Segmenter: SegmentUAX29},
	{Code: "bg", Name: "Bulgarian", Script: unicode.Cyrillic, ScriptName: "Cyrillic", Segmenter: SegmentUAX29},
	{Code: "bn", Name: "Bengali", Script: unicode.Bengali, ScriptName: "Bengali", Segmenter: SegmentUAX29},
	{Code: "ca", Name: "Catalan", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29},
	{Code: "ceb", Name: "Cebuano", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "ceb"},
	{Code: "cs", Name: "Czech", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "ces"},
	{Code: "da", Name: "Danish", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "dan"},
	{Code: "de", Name: "German", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "deu"},
	{Code: "el", Name: "Greek", Script: unicode.Greek, ScriptName: "Greek", Segmenter: SegmentUAX29},
	{Code: "en", Name: "English", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "eng"},
	{Code: "es", Name: "Spanish", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "spa"},
	{Code: "fa", Name: "Persian", Script: unicode.Arabic, ScriptName: "Arabic", Segmenter: SegmentUAX29},
	{Code: "fi", Name: "Finnish", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "fin"},
	{Code: "fr", Name: "French", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "fra"},
	{Code: "he", Name: "Hebrew", Script: unicode.Hebrew, ScriptName: "Hebrew", Segmenter: SegmentUAX29},
	{Code: "hi", Name: "Hindi", Script: unicode.Devanagari, ScriptName: "Devanagari", Segmenter: SegmentUAX29},
	{Code: "hu", Name: "Hungarian", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "hun"},
	{Code: "id", Name: "Indonesian", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "ind"},
	{Code: "it", Name: "Italian", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "ita"},
	{Code: "ja", Name: "Japanese", Script: unicode.Han, ScriptName: "Japanese (kana, Han, Japanese punctuation)", Segmenter: SegmentKagome, Share: 0.3},
	{Code: "ko", Name: "Korean", Script: unicode.Hangul, ScriptName: "Hangul", Segmenter: SegmentUAX29, Share: 0.3},
	{Code: "lo", Name: "Lao", Script: unicode.Lao, ScriptName: "Lao", Segmenter: SegmentParagraphs},
	{Code: "nl", Name: "Dutch", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "nld"},
	{Code: "no", Name: "Norwegian (Bokmål)", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "nob"},
	{Code: "pl", Name: "Polish", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "pol"},
	{Code: "pt", Name: "Portuguese", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "por"},
	{Code: "ro", Name: "Romanian", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "ron"},
	{Code: "ru", Name: "Russian", Script: unicode.Cyrillic, ScriptName: "Cyrillic", Segmenter: SegmentUAX29},
	{Code: "sr", Name: "Serbian", Script: unicode.Cyrillic, ScriptName: "Cyrillic", Segmenter: SegmentUAX29},
	{Code: "sv", Name: "Swedish", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "swe"},
	{Code: "th", Name: "Thai", Script: unicode.Thai, ScriptName: "Thai", Segmenter: SegmentParagraphs},
	{Code: "tr", Name: "Turkish", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "tur"},
	{Code: "uk", Name: "Ukrainian", Script: unicode.Cyrillic, ScriptName: "Cyrillic", Segmenter: SegmentUAX29},
	{Code: "vi", Name: "Vietnamese", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29, Identify: "vie"},
	{Code: "war", Name: "Waray", Script: unicode.Latin, ScriptName: "Latin", Segmenter: SegmentUAX29},
	{Code: "zh", Name: "Chinese", Script: unicode.Han, ScriptName: "Han", Segmenter: SegmentChinese, Share: 0.3,
		Exclude: []*unicode.RangeTable{unicode.Hiragana, unicode.Katakana}},
}
