package mix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// EvalOptions says what evaluation set BuildEval cuts from a corpus.
type EvalOptions struct {
	// Target is the size of the output in Unit; it must be positive.
	Target int64
	Unit   Unit
	Format Format
	// Seed fixes the draw: the same corpus, options and seed give the same
	// bytes.
	Seed uint64
	// Exclude holds article ids that must not be used.
	Exclude IDSet
	// Counter prices text in model tokens; required when Unit is Tokens.
	Counter TokenCounter
	// MaxFillArticles bounds how many articles the exact fill draws
	// sentences from (default 64).
	MaxFillArticles int
}

// PartialArticle is an article of which only some sentences were used.
type PartialArticle struct {
	ID        string `json:"id"`
	Sentences int    `json:"sentences_used"`
	Of        int    `json:"sentences_total"`
}

// EvalResult describes an evaluation set BuildEval wrote.
type EvalResult struct {
	// Achieved is the output's size in the unit, priced piece by piece.
	// For bytes and characters it is exact; for tokens it is the sum of
	// the pieces' counts, which can differ a little from the count of the
	// whole file (measure the file for the true figure).
	Achieved int64
	// Deviation is Target - Achieved: 0 on an exact fill, positive when no
	// exact fill existed (the output is never larger than the target).
	Deviation int64
	// Articles lists the ids of articles used whole, in output order.
	Articles []string
	// Partial lists the articles only some sentences came from; they
	// follow the whole articles in the output.
	Partial []PartialArticle
	// Sentences is the number of corpus sentences written.
	Sentences int
}

// reserve is how much room the whole-article phase leaves for the
// sentence fill, so the fill has sentences enough to hit the target
// exactly.
func reserve(u Unit) int64 {
	switch u {
	case Chars:
		return 512
	case Tokens:
		return 384
	}
	return 1536
}

// maxMisses is how many articles in a row may fail to fit before the
// whole-article phase judges the gap smaller than the remaining articles.
const maxMisses = 64

// BuildEval draws whole articles from pool in a seeded order and writes
// them to w until the remaining gap is smaller than the articles that
// follow; then it fills the gap exactly with unused sentences of further
// drawn articles (a subset-sum over the cost of each sentence line,
// headings included), written under their own article's heading, one
// sentence per line. The output holds only complete sentences. When no
// exact fill exists it stops as close below the target as it can and says
// so in Deviation; when the corpus holds less than the target it fails and
// says how much there is.
func BuildEval(ctx context.Context, pool *Pool, w io.Writer, opts EvalOptions) (*EvalResult, error) {
	if opts.Target <= 0 {
		return nil, errors.New("eval set target size must be positive")
	}
	m, err := newMeasurer(opts.Unit, opts.Counter)
	if err != nil {
		return nil, err
	}
	maxFill := opts.MaxFillArticles
	if maxFill <= 0 {
		maxFill = 64
	}
	f := opts.Format
	order := pool.Order(opts.Seed, 1)
	res := &EvalResult{}
	var (
		out       strings.Builder
		gap       = opts.Target
		pos       int
		misses    int
		rejected  []*Article
		available int64 // whole-article size of every usable article seen
		res1      = reserve(opts.Unit)
	)
	next := func() (*Article, int64, error) {
		for pos < len(order) {
			if err := ctx.Err(); err != nil {
				return nil, 0, err
			}
			a, err := pool.Article(order[pos])
			pos++
			if err != nil {
				return nil, 0, err
			}
			if len(a.Paragraphs) == 0 || opts.Exclude.Has(a.ID) {
				continue
			}
			c, err := m.cost(f.article(a))
			if err != nil {
				return nil, 0, err
			}
			available += c
			return a, c, nil
		}
		return nil, 0, nil
	}
	// Phase 1: whole articles.
	for gap > 0 && misses < maxMisses {
		a, c, err := next()
		if err != nil {
			return nil, err
		}
		if a == nil {
			break
		}
		if c == gap || (c < gap && gap-c >= res1) {
			out.WriteString(f.article(a))
			res.Articles = append(res.Articles, a.ID)
			res.Sentences += a.Sentences()
			gap -= c
			misses = 0
			continue
		}
		misses++
		if len(rejected) < maxFill {
			rejected = append(rejected, a)
		}
	}
	if gap > 0 && pos == len(order) && available < opts.Target {
		return nil, fmt.Errorf("corpus %s holds %d %s in %s layout (%d articles usable), less than the %d asked for: use a smaller target or a bigger corpus",
			pool.Path(), available, opts.Unit, f, usable(pool, opts.Exclude, len(order)), opts.Target)
	}
	// Phase 2: exact fill with sentences of articles not used whole.
	if gap > 0 {
		fl := newFiller(gap)
		var cands []*Article
		offer := func(a *Article) error {
			g := fillGroup{}
			hc, err := m.cost(f.header(a) + f.trailer())
			if err != nil {
				return err
			}
			g.overhead = hc
			for _, p := range a.Paragraphs {
				for _, s := range p {
					c, err := m.cost(f.paragraph([]string{s}))
					if err != nil {
						return err
					}
					g.costs = append(g.costs, c)
				}
			}
			cands = append(cands, a)
			fl.add(g)
			return nil
		}
		for _, a := range rejected {
			if fl.reached() {
				break
			}
			if err := offer(a); err != nil {
				return nil, err
			}
		}
		for !fl.reached() && len(cands) < maxFill {
			a, _, err := next()
			if err != nil {
				return nil, err
			}
			if a == nil {
				break
			}
			if err := offer(a); err != nil {
				return nil, err
			}
		}
		best, chosen := fl.solve()
		for i, items := range chosen {
			if items == nil {
				continue
			}
			a := cands[i]
			flat := flatten(a)
			out.WriteString(f.header(a))
			for _, k := range items {
				out.WriteString(f.paragraph([]string{flat[k]}))
			}
			out.WriteString(f.trailer())
			res.Partial = append(res.Partial, PartialArticle{ID: a.ID, Sentences: len(items), Of: len(flat)})
			res.Sentences += len(items)
		}
		gap -= best
	}
	res.Achieved = opts.Target - gap
	res.Deviation = gap
	if _, err := io.WriteString(w, out.String()); err != nil {
		return nil, fmt.Errorf("write eval set: %w", err)
	}
	return res, nil
}

// flatten lists an article's sentences in order.
func flatten(a *Article) []string {
	var s []string
	for _, p := range a.Paragraphs {
		s = append(s, p...)
	}
	return s
}

// usable counts the articles not excluded (for error messages only; it
// reads the whole corpus, which the caller has just done anyway).
func usable(pool *Pool, ex IDSet, n int) int {
	if len(ex) == 0 {
		return n
	}
	k := 0
	for i := range n {
		a, err := pool.Article(i)
		if err == nil && len(a.Paragraphs) > 0 && !ex.Has(a.ID) {
			k++
		}
	}
	return k
}
