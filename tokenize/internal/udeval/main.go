// Command udeval measures the sentence splitters of package tokenize on
// Universal Dependencies treebanks the way the CoNLL 2018 shared task does:
// the raw text is rebuilt from each .conllu file (the sentences' "# text"
// lines, joined by a space unless the sentence's last token has
// SpaceAfter=No; a "# newpar" or "# newdoc" line starts a new paragraph,
// one line of the rebuilt text), the splitter cuts it, and the sentences,
// as spans over the text's non-space characters, are scored against the
// treebank's: precision, recall and F1 of exactly matching spans.
//
// Usage:
//
//	go run ./tokenize/internal/udeval [-lang CODE] [-errors N] FILE.conllu...
//
// The language comes from the file name (de_gsd-ud-dev.conllu is de)
// unless -lang gives it. The treebanks are not part of the repository
// (their licences vary); fetch them from universaldependencies.org.
// testdata/ holds small dev-set samples whose licences allow it, scored by
// the package's regression test (testdata/README.md says how they were
// made).
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/calibkit/calibkit/tokenize"
)

func main() {
	lang := flag.String("lang", "", "language code (default: the file name's prefix before _ or -)")
	showErrors := flag.Int("errors", 0, "print up to N wrong sentences of the splitter per file")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: udeval [-lang CODE] [-errors N] FILE.conllu...")
		os.Exit(2)
	}
	fmt.Printf("%-34s %-4s %-13s %6s %6s %6s %6s %6s\n", "file", "lang", "segmenter", "gold", "system", "P", "R", "F1")
	failed := false
	for _, path := range flag.Args() {
		code := *lang
		if code == "" {
			code = strings.FieldsFunc(filepath.Base(path), func(r rune) bool { return r == '_' || r == '-' })[0]
		}
		if err := evalFile(path, code, *showErrors); err != nil {
			fmt.Fprintf(os.Stderr, "udeval: %s: %v\n", path, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func evalFile(path, code string, showErrors int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tb, err := ReadTreebank(f)
	if err != nil {
		return err
	}
	split, err := tokenize.SplitterFor(code)
	if err != nil {
		return err
	}
	r := Score(tb, split)
	fmt.Printf("%-34s %-4s %-13s %6d %6d %6.1f %6.1f %6.1f\n", filepath.Base(path), code, segmenterName(code), r.Gold, r.System, 100*r.Precision(), 100*r.Recall(), 100*r.F1())
	for i, e := range r.Wrong {
		if i == showErrors {
			break
		}
		fmt.Printf("    wrong: %q\n", e)
	}
	return nil
}

func segmenterName(code string) string {
	s, err := tokenize.SplitterFor(code)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%T", s)[len("*tokenize."):]
}

// Treebank is the text of a .conllu file: paragraphs of sentences.
type Treebank struct {
	Paragraphs [][]Sentence
}

// Sentence is one treebank sentence.
type Sentence struct {
	Text         string
	SpaceAfterNo bool // the last token has SpaceAfter=No
}

// ReadTreebank reads the "# text", "# newpar" and "# newdoc" comments and
// the last token line of each sentence of a .conllu file.
func ReadTreebank(r io.Reader) (*Treebank, error) {
	tb := &Treebank{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var cur Sentence
	var has, newPar bool
	lastMisc := ""
	line := 0
	flush := func() error {
		if !has {
			return nil
		}
		if cur.Text == "" {
			return fmt.Errorf("line %d: sentence without a # text line", line)
		}
		cur.SpaceAfterNo = strings.Contains(lastMisc, "SpaceAfter=No")
		if newPar || len(tb.Paragraphs) == 0 {
			tb.Paragraphs = append(tb.Paragraphs, nil)
		}
		p := &tb.Paragraphs[len(tb.Paragraphs)-1]
		*p = append(*p, cur)
		cur, has, newPar, lastMisc = Sentence{}, false, false, ""
		return nil
	}
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), "\r")
		switch {
		case s == "":
			if err := flush(); err != nil {
				return nil, err
			}
		case strings.HasPrefix(s, "#"):
			has = true
			k, v, _ := strings.Cut(strings.TrimSpace(s[1:]), "=")
			switch strings.TrimSpace(k) {
			case "newpar", "newpar id", "newdoc", "newdoc id":
				newPar = true
			case "text":
				cur.Text = strings.TrimSpace(v)
			}
		default:
			has = true
			cols := strings.Split(s, "\t")
			if len(cols) != 10 {
				return nil, fmt.Errorf("line %d: %d columns, want 10", line, len(cols))
			}
			if strings.Contains(cols[0], ".") {
				continue // an empty node has no surface
			}
			lastMisc = cols[9]
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(tb.Paragraphs) == 0 {
		return nil, errors.New("no sentences")
	}
	return tb, nil
}

// Result is the score of one treebank.
type Result struct {
	Gold, System, Correct int
	Wrong                 []string // system sentences that match no gold one
}

// Precision is Correct/System.
func (r Result) Precision() float64 { return ratio(r.Correct, r.System) }

// Recall is Correct/Gold.
func (r Result) Recall() float64 { return ratio(r.Correct, r.Gold) }

// F1 is the harmonic mean of precision and recall.
func (r Result) F1() float64 {
	p, q := r.Precision(), r.Recall()
	if p+q == 0 {
		return 0
	}
	return 2 * p * q / (p + q)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// span is a sentence as a range of the non-space characters of the text.
type span struct{ start, end int }

// Score rebuilds each paragraph's raw text, splits it and compares the
// sentence spans with the treebank's.
func Score(tb *Treebank, split tokenize.SentenceSplitter) Result {
	var r Result
	gold := map[span]bool{}
	off := 0 // non-space characters before the paragraph
	for _, p := range tb.Paragraphs {
		var b strings.Builder
		pos := off
		for i, s := range p {
			b.WriteString(s.Text)
			if i+1 < len(p) && !s.SpaceAfterNo {
				b.WriteByte(' ')
			}
			n := nonSpace(s.Text)
			if n > 0 {
				gold[span{pos, pos + n}] = true
				r.Gold++
			}
			pos += n
		}
		sys := split.AppendSentences(nil, b.String())
		spos := off
		for _, s := range sys {
			n := nonSpace(s)
			if n == 0 {
				continue
			}
			r.System++
			if gold[span{spos, spos + n}] {
				r.Correct++
			} else {
				r.Wrong = append(r.Wrong, s)
			}
			spos += n
		}
		off = pos
	}
	return r
}

func nonSpace(s string) int {
	n := 0
	for _, c := range s {
		if !unicode.IsSpace(c) {
			n++
		}
	}
	return n
}
