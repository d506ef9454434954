package tokenize

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/ikawaha/kagome-dict/dict"
	"github.com/ikawaha/kagome-dict/ipa"
	"github.com/ikawaha/kagome/v2/tokenizer"
)

// ipaDict loads the IPA dictionary once per process (loadIPA, a fifth of
// a second on two cores, about 100 MB), so every Tokenizer shares it.
var ipaDict = sync.OnceValues(func() (*latDict, error) { return loadLatDict(true) })

// ipaShrinkDict is the IPA dictionary without its content columns (base
// forms, readings): faster to load and smaller.
var ipaShrinkDict = sync.OnceValues(func() (*latDict, error) { return loadLatDict(false) })

// loadLatDict loads the IPA dictionary (full, or without the content
// columns) and flattens it for the lattice analyser. Without the content
// columns (wakati), the part-of-speech table is loaded on first use.
func loadLatDict(full bool) (*latDict, error) {
	d, loadPOS, err := loadIPA(full, !full)
	if err != nil {
		return nil, err
	}
	ld := newLatDict(d)
	ld.needPOS = loadPOS
	return ld, nil
}

// Tokenizer segments Japanese text into morphemes with kagome, the IPA
// dictionary and Normal mode (the segmentation MeCab with IPADIC gives).
// Wakati and the Append methods run lattice.go's analyser, which gives
// exactly kagome's result faster; Morphemes and user dictionaries use
// kagome's tokenizer. It is safe for concurrent use.
type Tokenizer struct {
	t *tokenizer.Tokenizer
	// lat segments exactly as t does, faster; nil with a user dictionary,
	// which only kagome's tokenizer handles.
	lat *latDict
	// needPOS loads the dictionary's part-of-speech table if it is not
	// loaded yet (see loadLatDict); call it before kagome's tokens'
	// features are read.
	needPOS func()
}

// TokenizerOption configures a Tokenizer.
type TokenizerOption func(*tokenizerConfig) error

type tokenizerConfig struct {
	userDict    *dict.UserDict
	surfaceOnly bool
}

// TokenizerNop is an option that changes nothing, for conditional wiring.
func TokenizerNop() TokenizerOption {
	return func(*tokenizerConfig) error { return nil }
}

// WakatiOnly loads the IPA dictionary without base forms and readings, for
// callers that want surfaces (Wakati, AppendWakati): the segmentation is the
// same and start-up is faster, but Morphemes and AppendPOS then give only the
// part of speech of known words (BaseForm is the surface, Reading empty).
func WakatiOnly() TokenizerOption {
	return func(c *tokenizerConfig) error {
		c.surfaceOnly = true
		return nil
	}
}

// UserDictFile adds a kagome user dictionary read from path (lines of
// "surface,segmentation,readings,POS", as kagome's dict.NewUserDict reads).
func UserDictFile(path string) TokenizerOption {
	return func(c *tokenizerConfig) error {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("user dictionary: %w", err)
		}
		defer f.Close()
		rec, err := dict.NewUserDicRecords(f)
		if err != nil {
			return fmt.Errorf("user dictionary %s: %w", path, err)
		}
		ud, err := rec.NewUserDict()
		if err != nil {
			return fmt.Errorf("user dictionary %s: %w", path, err)
		}
		c.userDict = ud
		return nil
	}
}

// NewTokenizer returns a Tokenizer; the first call in a process loads the
// IPA dictionary.
func NewTokenizer(opts ...TokenizerOption) (*Tokenizer, error) {
	var c tokenizerConfig
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&c); err != nil {
			return nil, fmt.Errorf("new tokenizer: %w", err)
		}
	}
	kopts := []tokenizer.Option{tokenizer.OmitBosEos()}
	if c.userDict != nil {
		kopts = append(kopts, tokenizer.UserDict(c.userDict))
	}
	load := ipaDict
	if c.surfaceOnly {
		load = ipaShrinkDict
	}
	ld, err := load()
	if err != nil {
		return nil, fmt.Errorf("new tokenizer: %w", err)
	}
	t, err := tokenizer.New(ld.d, kopts...)
	if err != nil {
		return nil, fmt.Errorf("new tokenizer: %w", err)
	}
	tk := &Tokenizer{t: t, needPOS: ld.needPOS}
	if c.userDict == nil {
		tk.lat = ld
	}
	return tk, nil
}

// Morpheme is one word of the segmentation with its IPA dictionary entry.
type Morpheme struct {
	Surface string
	// POS is the part of speech, four levels deep: 名詞,固有名詞,地域,一般.
	POS []string
	// BaseForm is the dictionary form (行っ → 行く); the surface for words
	// the dictionary does not know.
	BaseForm string
	// Reading is the katakana reading; empty for unknown words.
	Reading string
	// Pronunciation is the katakana pronunciation; empty for unknown words.
	Pronunciation string
	// Features are the dictionary's fields as MeCab prints them.
	Features []string
	// Known is false for words built by the unknown-word rules.
	Known bool
}

// maxAnalyzeBytes bounds the text given to one kagome analysis: a longer
// line is analysed sentence by sentence, so that memory stays bounded (the
// lattice grows with the input). Below it, a line is analysed whole.
const maxAnalyzeBytes = 64 << 10

// Wakati returns the surfaces of text's morphemes, without whitespace.
func (t *Tokenizer) Wakati(text string) []string {
	var out []string
	t.eachSurface(text, func(surface string, _ *latDict, _ *latNode) { out = append(out, surface) })
	return out
}

// Morphemes returns text's morphemes, without whitespace.
func (t *Tokenizer) Morphemes(text string) []Morpheme {
	var out []Morpheme
	t.analyze(text, func(tok *tokenizer.Token) {
		f := tok.Features()
		m := Morpheme{Surface: tok.Surface, POS: tok.POS(), Features: f, Known: tok.Class == tokenizer.KNOWN || tok.Class == tokenizer.USER}
		m.BaseForm = featureOr(f, ipa.BaseForm, tok.Surface)
		m.Reading = featureOr(f, ipa.Reading, "")
		m.Pronunciation = featureOr(f, ipa.Pronunciation, "")
		if tok.Class == tokenizer.USER {
			m.BaseForm, m.Reading, m.Pronunciation = tok.Surface, featureOr(f, 2, ""), ""
		}
		out = append(out, m)
	})
	return out
}

// AppendWakati appends text's morphemes separated by single spaces to dst,
// as MeCab -Owakati prints a line (without its trailing space).
func (t *Tokenizer) AppendWakati(dst []byte, text string) []byte {
	first := true
	t.eachSurface(text, func(surface string, _ *latDict, _ *latNode) {
		if !first {
			dst = append(dst, ' ')
		}
		first = false
		dst = append(dst, surface...)
	})
	return dst
}

// AppendPOS appends one line per morpheme of text to dst, surface TAB
// comma-separated features, as MeCab's default output (without the EOS
// line, which the caller writes per input line).
func (t *Tokenizer) AppendPOS(dst []byte, text string) []byte {
	if t.lat == nil {
		t.analyze(text, func(tok *tokenizer.Token) {
			dst = append(dst, tok.Surface...)
			dst = append(dst, '\t')
			for i, f := range tok.Features() {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = append(dst, f...)
			}
			dst = append(dst, '\n')
		})
		return dst
	}
	t.eachSurface(text, func(surface string, ld *latDict, n *latNode) {
		dst = append(dst, surface...)
		dst = append(dst, '\t')
		dst = ld.appendFeatures(dst, n)
		dst = append(dst, '\n')
	})
	return dst
}

// eachSurface calls fn for each non-whitespace morpheme of text, with its
// lattice node when the lattice analyser runs (else ld and n are nil).
func (t *Tokenizer) eachSurface(text string, fn func(surface string, ld *latDict, n *latNode)) {
	if t.lat == nil {
		t.analyze(text, func(tok *tokenizer.Token) { fn(tok.Surface, nil, nil) })
		return
	}
	la := latticePool.Get().(*lattice)
	defer latticePool.Put(la)
	for len(text) > 0 {
		chunk := text
		if len(chunk) > maxAnalyzeBytes {
			chunk = text[:cutPoint(text, maxAnalyzeBytes)]
		}
		text = text[len(chunk):]
		t.lat.analyze(la, chunk)
		for _, i := range la.path {
			n := &la.nodes[i]
			surface := chunk[n.pos : n.pos+n.size]
			if isAllSpace(surface) {
				continue
			}
			fn(surface, t.lat, n)
		}
	}
}

// analyze calls fn for each non-whitespace morpheme of text.
func (t *Tokenizer) analyze(text string, fn func(*tokenizer.Token)) {
	t.needPOS() // fn may read the tokens' features
	for len(text) > 0 {
		chunk := text
		if len(chunk) > maxAnalyzeBytes {
			chunk = text[:cutPoint(text, maxAnalyzeBytes)]
		}
		text = text[len(chunk):]
		toks := t.t.Analyze(chunk, tokenizer.Normal)
		for i := range toks {
			tok := &toks[i]
			if tok.Class == tokenizer.DUMMY || tok.Surface == "" || isAllSpace(tok.Surface) {
				continue
			}
			fn(tok)
		}
	}
}

// cutPoint returns where to end the first chunk of an over-long text: after
// the last sentence delimiter or whitespace before limit, else at a rune
// boundary (a text of that length with neither is not prose).
func cutPoint(text string, limit int) int {
	head := text[:limit]
	if i := strings.LastIndexAny(head, "。．！？!?\n 　"); i > 0 {
		_, size := utf8.DecodeRuneInString(head[i:])
		return i + size
	}
	for limit > 0 && !utf8.RuneStart(text[limit]) {
		limit--
	}
	if limit == 0 {
		_, limit = utf8.DecodeRuneInString(text)
	}
	return limit
}

func isAllSpace(s string) bool {
	// Most surfaces start with a character that is plainly not a space:
	// ASCII other than "\t\n\v\f\r ", or UTF-8 lead bytes 0xE4 and up
	// (U+4000 on, where Unicode has no spaces).
	if len(s) > 0 {
		if b := s[0]; (b < 0x80 && b != ' ' && (b < '\t' || b > '\r')) || b >= 0xE4 {
			return false
		}
	}
	for _, r := range s {
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

func featureOr(f []string, i int, def string) string {
	if i < len(f) && f[i] != "*" && f[i] != "" {
		return f[i]
	}
	return def
}
