package mix

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"unicode/utf8"
)

// Article is one corpus document: paragraphs of sentences, in order.
type Article struct {
	ID    string
	Title string
	URL   string
	// Paragraphs holds the article's sentences, paragraph by paragraph;
	// no paragraph is empty.
	Paragraphs [][]string
}

// Sentences returns the number of sentences in the article.
func (a *Article) Sentences() int {
	n := 0
	for _, p := range a.Paragraphs {
		n += len(p)
	}
	return n
}

// corpusKind is how a corpus file stores its articles.
type corpusKind int

const (
	kindJSONL corpusKind = iota // one {"id","title","url","text"} object per line
	kindText                    // one sentence per line, a blank line between articles
)

// span locates one article in the corpus file.
type span struct {
	off  int64 // first byte
	n    int64 // length, without the final newline
	line int64 // 1-based line number of the first line
}

// Pool is an indexed corpus: it knows where every article starts and reads
// only the articles asked for. It is not safe for concurrent use.
type Pool struct {
	path  string
	kind  corpusKind
	r     io.ReaderAt
	c     io.Closer
	spans []span
	buf   []byte
	// chat: the pieces are conversations (AsConversations); wantConvs is
	// the count the corpus's manifest records.
	chat      bool
	wantConvs int64
}

// OpenPool indexes the corpus file at path in one streaming pass. Files
// ending in .jsonl (or .json / .ndjson) are read as JSONL, anything else as
// text. A corpus whose manifest marks it chat-formatted (ReadChatMark) is
// read as conversations (AsConversations). An empty corpus is an error.
func OpenPool(ctx context.Context, path string) (*Pool, error) {
	if strings.HasSuffix(path, ".gz") || strings.HasSuffix(path, ".zst") {
		return nil, fmt.Errorf("corpus %s is compressed: articles are read at random, so decompress it first (e.g. zstd -d or gunzip)", path)
	}
	mark, err := ReadChatMark(path)
	if err != nil {
		return nil, fmt.Errorf("corpus %s: %w", path, err)
	}
	var opts []PoolOption
	if mark.Chat {
		opts = append(opts, AsConversations(mark.Conversations))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open corpus %s: %w", path, err)
	}
	p, err := NewPool(ctx, path, f, opts...)
	if err != nil {
		f.Close()
		return nil, err
	}
	p.c = f
	return p, nil
}

// NewPool indexes a corpus read from r; name gives its format (by
// extension) and names it in errors; opts say how to read it.
func NewPool(ctx context.Context, name string, r io.ReaderAt, opts ...PoolOption) (*Pool, error) {
	p := &Pool{path: name, r: r, kind: kindText}
	switch {
	case strings.HasSuffix(name, ".jsonl"), strings.HasSuffix(name, ".json"), strings.HasSuffix(name, ".ndjson"):
		p.kind = kindJSONL
	}
	for _, o := range opts {
		if err := o(p); err != nil {
			return nil, err
		}
	}
	if err := p.index(ctx); err != nil {
		return nil, err
	}
	if len(p.spans) == 0 {
		return nil, fmt.Errorf("corpus %s holds no articles: build one with `calibkit corpus build`", name)
	}
	if err := p.checkConversations(); err != nil {
		return nil, err
	}
	return p, nil
}

// Close releases the corpus file.
func (p *Pool) Close() error {
	if p.c == nil {
		return nil
	}
	return p.c.Close()
}

// Path returns the corpus file's name.
func (p *Pool) Path() string { return p.path }

// Len returns the number of articles in the corpus.
func (p *Pool) Len() int { return len(p.spans) }

// index records each article's span: a JSONL article is one non-blank line,
// a text article a run of non-blank lines.
func (p *Pool) index(ctx context.Context) error {
	const chunk = 1 << 20
	buf := make([]byte, chunk)
	var (
		off      int64 // file offset of buf[0]
		lineNo   int64 = 1
		lineOff  int64 // start of the current line
		lineBlk  = true
		inArt    bool
		artStart span
		lastEnd  int64 // end of the last non-blank line (without newline)
	)
	endLine := func(end int64) {
		// the line [lineOff, end) just ended
		if lineBlk {
			if inArt && p.kind == kindText {
				artStart.n = lastEnd - artStart.off
				p.spans = append(p.spans, artStart)
				inArt = false
			}
			return
		}
		if p.kind == kindJSONL {
			p.spans = append(p.spans, span{off: lineOff, n: end - lineOff, line: lineNo})
			return
		}
		if !inArt {
			inArt = true
			artStart = span{off: lineOff, line: lineNo}
		}
		lastEnd = end
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := p.r.ReadAt(buf, off)
		data := buf[:n]
		for i := 0; i < len(data); {
			j := bytes.IndexByte(data[i:], '\n')
			seg := data[i:]
			if j >= 0 {
				seg = data[i : i+j]
			}
			if lineBlk && !asciiBlank(seg) {
				lineBlk = false
			}
			if j < 0 {
				break
			}
			endLine(off + int64(i+j))
			i += j + 1
			lineNo++
			lineOff = off + int64(i)
			lineBlk = true
		}
		off += int64(n)
		if err == io.EOF || (err == nil && n == 0) {
			break
		}
		if err != nil {
			return fmt.Errorf("read corpus %s: %w", p.path, err)
		}
	}
	if lineOff < off {
		endLine(off)
	}
	lineBlk = true
	endLine(off)
	return nil
}

// Order returns the article indices in the order a draw with seed visits
// them (a seeded Fisher-Yates shuffle; PCG, so it is stable across Go
// releases).
func (p *Pool) Order(seed uint64, stream uint64) []int {
	return newRand(seed, stream).Perm(len(p.spans))
}

func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15^stream))
}

// read reads the bytes of s into the pool's buffer.
func (p *Pool) read(s span) ([]byte, error) {
	if int64(cap(p.buf)) < s.n {
		p.buf = make([]byte, s.n)
	}
	b := p.buf[:s.n]
	if n, err := p.r.ReadAt(b, s.off); err != nil && !(errors.Is(err, io.EOF) && n == len(b)) {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF // the file shrank since it was indexed
		}
		return nil, fmt.Errorf("read corpus %s line %d: %w", p.path, s.line, err)
	}
	return b, nil
}

// Article reads and parses article i (0-based, in file order).
func (p *Pool) Article(i int) (*Article, error) {
	s := p.spans[i]
	b, err := p.read(s)
	if err != nil {
		return nil, err
	}
	if p.kind == kindJSONL {
		return parseJSONLArticle(p.path, s.line, b)
	}
	if !utf8.Valid(b) {
		bad := invalidUTF8Offset(b)
		return nil, fmt.Errorf("corpus %s: invalid UTF-8 at byte offset %d (article starting on line %d): convert the file to UTF-8", p.path, s.off+int64(bad), s.line)
	}
	a := &Article{ID: fmt.Sprintf("line:%d", s.line)}
	var para []string
	for line := range strings.SplitSeq(string(b), "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		para = append(para, line)
	}
	// A text corpus has no paragraph marks: each line is a paragraph.
	for _, s := range para {
		a.Paragraphs = append(a.Paragraphs, []string{s})
	}
	return a, nil
}

// jsonArticle is one line of a JSONL corpus, as `calibkit corpus build`
// writes it.
type jsonArticle struct {
	ID    json.RawMessage `json:"id"`
	Title string          `json:"title"`
	URL   string          `json:"url"`
	Text  *string         `json:"text"`
}

func parseJSONLArticle(path string, line int64, b []byte) (*Article, error) {
	var ja jsonArticle
	if err := json.Unmarshal(b, &ja); err != nil {
		return nil, fmt.Errorf("corpus %s line %d: not a JSON object: %w", path, line, err)
	}
	if ja.Text == nil {
		return nil, fmt.Errorf("corpus %s line %d: no \"text\" field (want {\"id\",\"title\",\"url\",\"text\"})", path, line)
	}
	a := &Article{Title: strings.TrimSpace(ja.Title), URL: ja.URL}
	if err := jsonID(path, line, ja.ID, &a.ID); err != nil {
		return nil, err
	}
	a.Paragraphs = splitParagraphs(*ja.Text)
	return a, nil
}

// jsonID sets *id to a JSONL line's "id" as text ("line:N" when it has
// none). It decodes into id itself, which its caller holds on the heap
// already, to spare an allocation per article.
func jsonID(path string, line int64, raw json.RawMessage, id *string) error {
	switch {
	case len(raw) == 0 || string(raw) == "null":
		*id = fmt.Sprintf("line:%d", line)
	case raw[0] == '"':
		if err := json.Unmarshal(raw, id); err != nil {
			return fmt.Errorf("corpus %s line %d: bad \"id\": %w", path, line, err)
		}
	default:
		*id = string(raw)
	}
	return nil
}

// splitParagraphs splits corpus text (one sentence per line, a blank line
// between paragraphs) into paragraphs of sentences.
func splitParagraphs(text string) [][]string {
	var (
		out  [][]string
		para []string
	)
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			if len(para) > 0 {
				out = append(out, para)
				para = nil
			}
			continue
		}
		para = append(para, line)
	}
	if len(para) > 0 {
		out = append(out, para)
	}
	return out
}

// asciiBlank reports whether b holds only ASCII white space.
func asciiBlank(b []byte) bool {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\v', '\f':
		default:
			return false
		}
	}
	return true
}
