package corpus

import (
	"fmt"
	"strings"

	"github.com/calibkit/calibkit/tokenize"
)

// unit is one sentence or paragraph of a cleaned document.
type unit struct {
	text  string
	hash  uint64
	chars int32
	para  int32 // index of the paragraph the unit belongs to
}

// cleanDoc is a document after cleaning, segmentation and the length
// filter, before de-duplication.
type cleanDoc struct {
	id, title, url string
	units          []unit
}

// worker cleans documents; each goroutine has its own.
type worker struct {
	opts     *Options
	norm     normalizer
	headings *headingSet
	split    SentenceSplitter
	filter   *langFilter // nil for Japanese or no language
	sents    []string
	titles   titleCutter
	units    []unit // the current document's units, reused
	arena    []unit // storage handed out to documents' units
}

// unitChunk is how many units the worker allocates at a time for the
// documents it cleans (about 12 thousand sentences in a batch of 1 MB).
const unitChunk = 4096

// keepUnits returns a copy of w.units that later documents do not touch,
// carved from a shared chunk: one allocation per few hundred documents
// rather than a growing slice per document.
func (w *worker) keepUnits() []unit {
	n := len(w.units)
	if n == 0 {
		return nil
	}
	if cap(w.arena)-len(w.arena) < n {
		w.arena = make([]unit, 0, max(unitChunk, n))
	}
	i := len(w.arena)
	w.arena = append(w.arena, w.units...)
	return w.arena[i : i+n : i+n]
}

func newWorker(opts *Options, headings *headingSet, split SentenceSplitter, filter *langFilter) *worker {
	return &worker{opts: opts, norm: normalizer{opts: opts.Normalize}, headings: headings, split: split, filter: filter}
}

// stages returns the splitter (opts.Splitter, else the language's) and the
// language filter of a run; both are read-only and shared by the workers.
func stages(opts *Options) (SentenceSplitter, *langFilter, error) {
	split := opts.Splitter
	if split == nil && opts.Segment == SegmentSentences {
		var err error
		if opts.Clean.Lang == "" {
			split, err = tokenize.NewSplitter()
		} else {
			split, err = tokenize.SplitterFor(opts.Clean.Lang)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("sentence splitter: %w", err)
		}
	}
	var filter *langFilter
	if c := opts.Clean; c.Lang != "" && c.Lang != "ja" {
		f, err := newLangFilter(c.Lang, c.ScriptShare, c.LangID, c.LangIDMinWords)
		if err != nil {
			return nil, nil, err
		}
		filter = f
	}
	return split, filter, nil
}

// jaShare is the share threshold of the Japanese filter.
func (o *Options) jaShare() float64 {
	if o.Clean.ScriptShare > 0 {
		return o.Clean.ScriptShare
	}
	return o.Clean.JapaneseShare
}

// process cleans one document, adding what it removed to st.
func (w *worker) process(doc Document, st *Stats) cleanDoc {
	out := cleanDoc{}
	for _, f := range []struct{ src, dst *string }{{&doc.ID, &out.id}, {&doc.Title, &out.title}, {&doc.URL, &out.url}} {
		var n int64
		*f.dst, n = fixUTF8String(*f.src)
		st.InvalidUTF8 += n
	}
	st.InputTextBytes += int64(len(doc.Text))
	// A title holding a sentence delimiter (モーニング娘。, けいおん!) keeps
	// the splitter from cutting the article's sentences inside it; it is
	// normalized like the text so that it is found there.
	title := ""
	if w.opts.Segment == SegmentSentences && strings.ContainsAny(out.title, titleMarks) {
		var discard normStats
		title = strings.TrimSpace(string(w.norm.normalize(out.title, &discard)))
	}
	var ns normStats
	text := string(w.norm.normalize(doc.Text, &ns))
	st.InvalidUTF8 += ns.invalidUTF8
	st.Removed.ControlChars += ns.controlsRemoved
	st.Removed.Spaces += ns.spacesRemoved
	if ns.nfkcChanged {
		st.Removed.NFKCChangedDocuments++
	}
	o := w.opts
	para := int32(0)
	w.units = w.units[:0]
	for off := 0; off < len(text); {
		line := text[off:]
		next := len(text)
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line, next = line[:i], off+i+1
		}
		if w.headings.match(line) {
			st.Removed.TrailingSectionDocs++
			st.Removed.TrailingSectionChars += int64(countRunes(text[off:]))
			break
		}
		off = next
		// One pass gives the line's Japanese share and whether its
		// brackets need clean-up; the share is counted again only for a
		// line the clean-up changed.
		ja, all, brackets, counted := 0, 0, true, false
		if o.Clean.Lang == "ja" {
			ja, all, brackets = scanLine(line, o.Clean.EmptyBrackets)
			counted = true
		}
		if o.Clean.EmptyBrackets && brackets {
			var n, items int
			if line, n, items = cleanBrackets(line); n+items > 0 {
				st.Removed.EmptyBrackets += int64(n)
				st.Removed.EmptyBracketItems += int64(items)
				if o.Normalize.CollapseSpaces {
					line = strings.TrimSpace(line)
				}
				counted = false
			}
		}
		if line == "" || !o.Normalize.CollapseSpaces && strings.TrimSpace(line) == "" {
			continue // with CollapseSpaces lines are already trimmed
		}
		if o.Clean.Lang == "ja" && !counted {
			ja, all, _ = scanLine(line, false)
		}
		if o.Clean.Lang == "ja" && share(ja, all) < o.jaShare() {
			st.Removed.NonJapaneseLines++
			st.Removed.NonJapaneseChars += int64(countRunes(line))
			continue
		}
		if w.filter != nil {
			switch w.filter.check(line) {
			case langScript:
				st.Removed.OtherScriptLines++
				st.Removed.OtherScriptChars += int64(countRunes(line))
				continue
			case langIdentified:
				st.Removed.IdentifiedLines++
				st.Removed.OtherLanguageLines++
				st.Removed.OtherLanguageChars += int64(countRunes(line))
				continue
			case langOtherWords:
				st.Removed.OtherLanguageLines++
				st.Removed.OtherLanguageChars += int64(countRunes(line))
				continue
			case langKeepChecked:
				st.Removed.IdentifiedLines++
			}
		}
		if o.Clean.DropHeadings && isHeading(line) {
			st.Removed.HeadingLines++
			st.Removed.HeadingChars += int64(countRunes(line))
			continue
		}
		if o.Segment == SegmentSentences {
			w.sents = w.split.AppendSentences(w.sents[:0], line)
			if title != "" {
				w.sents = append(w.sents[:0:0], w.titles.join(line, w.sents, title)...)
			}
		} else {
			w.sents = append(w.sents[:0], line)
		}
		for _, s := range w.sents {
			if o.Segment == SegmentSentences {
				s = strings.TrimSpace(s)
			}
			if s == "" {
				continue
			}
			n := countRunes(s)
			if n < o.MinChars {
				st.Removed.TooShort++
				continue
			}
			if o.MaxChars > 0 && n > o.MaxChars {
				st.Removed.TooLong++
				continue
			}
			u := unit{text: s, chars: int32(n), para: para}
			if o.Dedup {
				u.hash = hash64(s)
			}
			w.units = append(w.units, u)
		}
		para++
	}
	out.units = w.keepUnits()
	return out
}
