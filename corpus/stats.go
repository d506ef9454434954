package corpus

// Stats are the measured counts of a build.
type Stats struct {
	Inputs int `json:"inputs"`
	// DocumentsRead counts input documents; DocumentsWritten those with any
	// text left after cleaning, filtering and de-duplication.
	DocumentsRead    int64 `json:"documents_read"`
	DocumentsWritten int64 `json:"documents"`
	// Paragraphs and Sentences count the units written (Sentences only
	// with SegmentSentences).
	Paragraphs int64 `json:"paragraphs"`
	Sentences  int64 `json:"sentences"`
	// Bytes is the size of the output; Characters counts the characters of
	// the text written (line ends and JSON syntax excluded).
	Bytes      int64 `json:"bytes"`
	Characters int64 `json:"characters"`
	// InputTextBytes is the size of the text read, before cleaning.
	InputTextBytes int64 `json:"input_text_bytes"`
	// InvalidUTF8 counts invalid UTF-8 sequences replaced by U+FFFD.
	InvalidUTF8 int64 `json:"invalid_utf8_replaced"`
	// EmptyInputs lists input files that held no document.
	EmptyInputs []string `json:"empty_inputs,omitempty"`
	Removed     Removed  `json:"removed"`
}

// Removed counts what each step took out.
type Removed struct {
	ControlChars         int64 `json:"control_characters"`
	Spaces               int64 `json:"spaces"`
	NFKCChangedDocuments int64 `json:"nfkc_changed_documents"`
	TrailingSectionDocs  int64 `json:"trailing_section_documents"`
	TrailingSectionChars int64 `json:"trailing_section_characters"`
	EmptyBrackets        int64 `json:"empty_brackets"`
	EmptyBracketItems    int64 `json:"empty_bracket_items"`
	HeadingLines         int64 `json:"heading_lines"`
	HeadingChars         int64 `json:"heading_characters"`
	NonJapaneseLines     int64 `json:"non_japanese_lines"`
	NonJapaneseChars     int64 `json:"non_japanese_characters"`
	// OtherScriptLines are the lines of a language other than Japanese
	// dropped for too small a share of the language's script;
	// OtherLanguageLines those the identifier named another language;
	// IdentifiedLines every line the identifier was asked about.
	OtherScriptLines   int64 `json:"other_script_lines"`
	OtherScriptChars   int64 `json:"other_script_characters"`
	OtherLanguageLines int64 `json:"other_language_lines"`
	OtherLanguageChars int64 `json:"other_language_characters"`
	IdentifiedLines    int64 `json:"identifier_checked_lines"`
	TooShort           int64 `json:"too_short"`
	TooLong            int64 `json:"too_long"`
	Duplicates         int64 `json:"duplicates"`
	DuplicateChars     int64 `json:"duplicate_characters"`
	EmptyDocuments     int64 `json:"empty_documents"`
}

func (r *Removed) add(o *Removed) {
	r.ControlChars += o.ControlChars
	r.Spaces += o.Spaces
	r.NFKCChangedDocuments += o.NFKCChangedDocuments
	r.TrailingSectionDocs += o.TrailingSectionDocs
	r.TrailingSectionChars += o.TrailingSectionChars
	r.EmptyBrackets += o.EmptyBrackets
	r.EmptyBracketItems += o.EmptyBracketItems
	r.HeadingLines += o.HeadingLines
	r.HeadingChars += o.HeadingChars
	r.NonJapaneseLines += o.NonJapaneseLines
	r.NonJapaneseChars += o.NonJapaneseChars
	r.OtherScriptLines += o.OtherScriptLines
	r.OtherScriptChars += o.OtherScriptChars
	r.OtherLanguageLines += o.OtherLanguageLines
	r.OtherLanguageChars += o.OtherLanguageChars
	r.IdentifiedLines += o.IdentifiedLines
	r.TooShort += o.TooShort
	r.TooLong += o.TooLong
	r.Duplicates += o.Duplicates
	r.DuplicateChars += o.DuplicateChars
	r.EmptyDocuments += o.EmptyDocuments
}

// Counts returns the counts as a map for a manifest.
func (s *Stats) Counts() map[string]any {
	m := map[string]any{
		"inputs":                s.Inputs,
		"documents_read":        s.DocumentsRead,
		"documents":             s.DocumentsWritten,
		"paragraphs":            s.Paragraphs,
		"sentences":             s.Sentences,
		"bytes":                 s.Bytes,
		"characters":            s.Characters,
		"input_text_bytes":      s.InputTextBytes,
		"invalid_utf8_replaced": s.InvalidUTF8,
	}
	return m
}

// RemovedMap returns what each step removed as a map for a manifest.
func (s *Stats) RemovedMap() map[string]any {
	r := s.Removed
	return map[string]any{
		"control_characters":          r.ControlChars,
		"spaces":                      r.Spaces,
		"nfkc_changed_documents":      r.NFKCChangedDocuments,
		"trailing_section_documents":  r.TrailingSectionDocs,
		"trailing_section_characters": r.TrailingSectionChars,
		"empty_brackets":              r.EmptyBrackets,
		"empty_bracket_items":         r.EmptyBracketItems,
		"heading_lines":               r.HeadingLines,
		"heading_characters":          r.HeadingChars,
		"non_japanese_lines":          r.NonJapaneseLines,
		"non_japanese_characters":     r.NonJapaneseChars,
		"other_script_lines":          r.OtherScriptLines,
		"other_script_characters":     r.OtherScriptChars,
		"other_language_lines":        r.OtherLanguageLines,
		"other_language_characters":   r.OtherLanguageChars,
		"identifier_checked_lines":    r.IdentifiedLines,
		"too_short":                   r.TooShort,
		"too_long":                    r.TooLong,
		"duplicates":                  r.Duplicates,
		"duplicate_characters":        r.DuplicateChars,
		"empty_documents":             r.EmptyDocuments,
	}
}

// Progress reports how far a build has come.
type Progress struct {
	// InputBytes of TotalInputBytes (file sizes) have been consumed.
	InputBytes, TotalInputBytes int64
	Documents                   int64
	// TextBytes is the size of the text read so far.
	TextBytes int64
}
