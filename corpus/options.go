package corpus

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/calibkit/calibkit/langs"
)

// Segment is the unit the output is cut into.
type Segment int

// Segmentation modes.
const (
	// SegmentSentences writes one sentence per line.
	SegmentSentences Segment = iota
	// SegmentParagraphs writes one paragraph (input line) per line.
	SegmentParagraphs
	// SegmentNone keeps the cleaned text's lines as they are.
	SegmentNone
)

func (s Segment) String() string {
	switch s {
	case SegmentSentences:
		return "sentences"
	case SegmentParagraphs:
		return "paragraphs"
	case SegmentNone:
		return "none"
	}
	return fmt.Sprintf("Segment(%d)", int(s))
}

// ParseSegment reads "sentences", "paragraphs" or "none".
func ParseSegment(s string) (Segment, error) {
	switch s {
	case "sentences":
		return SegmentSentences, nil
	case "paragraphs":
		return SegmentParagraphs, nil
	case "none":
		return SegmentNone, nil
	}
	return 0, fmt.Errorf("unknown segmentation %q: use sentences, paragraphs or none", s)
}

// OutputFormat is the kind of output file.
type OutputFormat int

// Output formats.
const (
	// OutputText writes one unit per line, documents separated by a blank line.
	OutputText OutputFormat = iota
	// OutputJSONL writes one {"id","title","url","text"} object per document.
	OutputJSONL
)

func (f OutputFormat) String() string {
	if f == OutputJSONL {
		return "jsonl"
	}
	return "txt"
}

// OutputFormatOf picks the output format from the extension of path:
// .txt or .jsonl.
func OutputFormatOf(path string) (OutputFormat, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".txt":
		return OutputText, nil
	case ".jsonl":
		return OutputJSONL, nil
	}
	return 0, fmt.Errorf("output %s: unknown extension %q; use .txt or .jsonl", path, filepath.Ext(path))
}

// SentenceSplitter cuts a paragraph into sentences, appending them to dst as
// substrings of text. *tokenize.Splitter implements it.
type SentenceSplitter interface {
	AppendSentences(dst []string, text string) []string
}

// Options configure a corpus build. Start from DefaultOptions.
type Options struct {
	Reader    ReaderOptions
	Normalize NormalizeOptions
	Clean     CleanOptions
	Segment   Segment
	// Splitter cuts sentences for SegmentSentences; nil means
	// tokenize.SplitterFor(Clean.Lang), or tokenize.NewSplitter() when
	// Clean.Lang is "".
	Splitter SentenceSplitter
	// MinChars and MaxChars bound the length in characters of each unit
	// (sentence, or paragraph when not segmenting into sentences);
	// 0 means no bound.
	MinChars, MaxChars int
	// Dedup drops every unit that is an exact repeat of an earlier one in
	// the run (in input order).
	Dedup bool
	// Workers is the number of cleaning goroutines; 0 means
	// runtime.NumCPU(). The output does not depend on it.
	Workers int
	// Progress, when set, is called from the writer goroutine after each
	// batch of documents is written.
	Progress func(Progress)
}

// DefaultOptions reads the Wikipedia schema, applies every normalization
// and clean-up step, segments into sentences, drops sentences under 2
// characters and de-duplicates.
func DefaultOptions() Options {
	return Options{
		Reader:    DefaultReaderOptions(),
		Normalize: DefaultNormalizeOptions(),
		Clean:     DefaultCleanOptions(),
		Segment:   SegmentSentences,
		MinChars:  2,
		Dedup:     true,
		Workers:   runtime.NumCPU(),
	}
}

// OptionsFor is DefaultOptions for one language of Wikipedia (a code of
// package langs; "" for none): its filter, splitter and trailing-section
// headings, as `calibkit corpus build --lang CODE` uses them. Setting
// Clean.Lang on DefaultOptions alone keeps the Japanese headings.
func OptionsFor(lang string) (Options, error) {
	o := DefaultOptions()
	ts, err := TrailingSectionsFor(lang)
	if err != nil {
		return Options{}, err
	}
	o.Clean.Lang, o.Clean.TrailingSections = lang, ts
	return o, nil
}

func (o *Options) validate() error {
	if o.MinChars < 0 || o.MaxChars < 0 {
		return fmt.Errorf("character bounds must not be negative (min %d, max %d)", o.MinChars, o.MaxChars)
	}
	if o.MaxChars > 0 && o.MinChars > o.MaxChars {
		return fmt.Errorf("minimum length %d is above maximum length %d", o.MinChars, o.MaxChars)
	}
	if o.Clean.Lang != "" {
		if _, err := langs.Lookup(o.Clean.Lang); err != nil {
			return err
		}
	}
	if o.Clean.JapaneseShare < 0 || o.Clean.JapaneseShare > 1 {
		return fmt.Errorf("share of Japanese characters %g is outside 0..1", o.Clean.JapaneseShare)
	}
	if o.Clean.ScriptShare < 0 || o.Clean.ScriptShare > 1 {
		return fmt.Errorf("share of the language's script %g is outside 0..1", o.Clean.ScriptShare)
	}
	if o.Clean.LangIDMinWords < 0 {
		return fmt.Errorf("identifier minimum words must not be negative (%d)", o.Clean.LangIDMinWords)
	}
	if o.Workers < 0 {
		return fmt.Errorf("workers must not be negative (%d)", o.Workers)
	}
	if o.Segment < SegmentSentences || o.Segment > SegmentNone {
		return fmt.Errorf("unknown segmentation %d", o.Segment)
	}
	if o.Reader.TextColumn == "" {
		return fmt.Errorf("no text column given")
	}
	return nil
}

// Parameters returns the options as a flat map for a manifest.
func (o *Options) Parameters() map[string]any {
	m := map[string]any{
		"text_column":       o.Reader.TextColumn,
		"id_column":         o.Reader.IDColumn,
		"title_column":      o.Reader.TitleColumn,
		"url_column":        o.Reader.URLColumn,
		"nfkc":              o.Normalize.NFKC,
		"newlines":          o.Normalize.Newlines,
		"strip_controls":    o.Normalize.StripControls,
		"collapse_spaces":   o.Normalize.CollapseSpaces,
		"trailing_sections": o.Clean.TrailingSections,
		"empty_brackets":    o.Clean.EmptyBrackets,
		"drop_headings":     o.Clean.DropHeadings,
		"lang":              o.Clean.Lang,
		"japanese_share":    o.Clean.JapaneseShare,
		"script_share":      o.Clean.ScriptShare,
		"lang_id":           o.Clean.LangID,
		"lang_id_min_words": o.Clean.LangIDMinWords,
		"segment":           o.Segment.String(),
		"min_chars":         o.MinChars,
		"max_chars":         o.MaxChars,
		"dedup":             o.Dedup,
		"dedup_unit":        o.unitName(),
		"workers":           o.Workers,
	}
	o.languageParameters(m)
	return m
}

// languageParameters describes, for a manifest, how the language of the
// run is segmented and filtered.
func (o *Options) languageParameters(m map[string]any) {
	l, err := langs.Lookup(o.Clean.Lang)
	if err != nil {
		return
	}
	m["language_name"] = l.Name
	m["script"] = l.ScriptName
	if o.Segment == SegmentSentences && o.Splitter == nil {
		m["segmenter"] = l.Segmenter.String()
		if l.Segmenter == langs.SegmentParagraphs {
			m["segmenter_note"] = l.Name + " has no sentence punctuation to cut at: each unit is a whole paragraph"
		}
	}
	if o.Clean.Lang != "ja" {
		share := o.Clean.ScriptShare
		if share == 0 {
			share = l.Share
		}
		m["script_share"] = share
		m["lang_id"] = o.Clean.LangID && l.Identify != ""
		if o.Clean.LangID && l.Identify != "" {
			m["lang_identifier"] = "github.com/abadojack/whatlanggo " + l.Identify
		}
	}
}

func (o *Options) unitName() string {
	if o.Segment == SegmentSentences {
		return "sentence"
	}
	return "paragraph"
}
