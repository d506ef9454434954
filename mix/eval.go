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
	// Achieved is the output's size in the unit. For tokens it is the
	// count of the whole file tokenized at once, BOS included, as
	// llama-perplexity counts it.
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
	// Conversations is the number of conversations written, all whole,
	// when the corpus is chat-formatted (Articles then lists their ids).
	Conversations int
}

// reserve is how much room the whole-article phase leaves for the
// sentence fill, so the fill has sentences enough to hit the target
// exactly (a quarter of the target when that is less).
func reserve(u Unit) int64 {
	switch u {
	case Chars:
		return 512
	case Tokens:
		return 384
	case Conversations:
		return 0
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
	if opts.Unit == Conversations && !pool.Chat() {
		return nil, fmt.Errorf("corpus %s is plain text, not chat-formatted: it has no conversations to count (its manifest does not mark it chat_formatted); use bytes, chars or tokens", pool.Path())
	}
	counter := opts.Counter
	if pool.Chat() {
		var err error
		if counter, err = WithSpecialTokens(counter); err != nil {
			return nil, err
		}
	}
	m, err := newMeasurer(opts.Unit, counter)
	if err != nil {
		return nil, err
	}
	var (
		text string
		res  *EvalResult
	)
	if opts.Unit != Tokens {
		var parts []evalPart
		parts, res, err = buildEval(ctx, pool, m, opts, opts.Target)
		if err != nil {
			return nil, err
		}
		text = joinParts(parts)
	} else {
		text, res, err = buildEvalTokens(ctx, pool, m, opts)
		if err != nil {
			return nil, err
		}
	}
	if _, err := io.WriteString(w, text); err != nil {
		return nil, fmt.Errorf("write eval set: %w", err)
	}
	return res, nil
}

// tokenRounds bounds how often a token-sized eval set is rebuilt to bring
// the whole file's count onto the target.
const tokenRounds = 6

// buildEvalTokens meets a token target for the whole file. Tokens do not
// add up exactly across piece boundaries, so it builds with the pieces'
// prices, counts the whole text as llama-perplexity would (BOS included),
// moves the piece target by the difference and builds again, keeping the
// closest result that is not over the target.
func buildEvalTokens(ctx context.Context, pool *Pool, m *measurer, opts EvalOptions) (string, *EvalResult, error) {
	var (
		bestText string
		best     *EvalResult
	)
	pieceTarget := opts.Target - int64(m.special)
	tried := map[int64]bool{}
	for range tokenRounds {
		if pieceTarget <= 0 || tried[pieceTarget] {
			break
		}
		tried[pieceTarget] = true
		parts, res, err := buildEval(ctx, pool, m, opts, pieceTarget)
		if err != nil {
			if best != nil {
				break
			}
			return "", nil, err
		}
		text := joinParts(parts)
		n, err := m.counter.CountTokens(text)
		if err != nil {
			return "", nil, fmt.Errorf("count tokens: %w", err)
		}
		res.Achieved = int64(n)
		res.Deviation = opts.Target - int64(n)
		if res.Deviation >= 0 && (best == nil || res.Deviation < best.Deviation) {
			bestText, best = text, res
		}
		if res.Deviation == 0 {
			break
		}
		pieceTarget += res.Deviation
	}
	if best == nil {
		return "", nil, fmt.Errorf("no eval set of at most %d tokens could be built from %s: its smallest pieces are larger; ask for more tokens", opts.Target, pool.Path())
	}
	return bestText, best, nil
}

// evalPart is one article of an eval set as written (whole, or the
// sentences of it a fill chose under its heading) and its price.
type evalPart struct {
	text string
	cost int64
}

func joinParts(parts []evalPart) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.text)
	}
	return b.String()
}

// buildEval builds an eval set of target in m's unit, priced piece by
// piece, and returns it article by article.
func buildEval(ctx context.Context, pool *Pool, m *measurer, opts EvalOptions, target int64) ([]evalPart, *EvalResult, error) {
	if pool.Chat() {
		return buildEvalChat(ctx, pool, m, opts, target)
	}
	maxFill := opts.maxFill()
	f := opts.Format
	order := pool.Order(opts.Seed, 1)
	res := &EvalResult{}
	var (
		out       []evalPart
		pos       int
		available int64 // whole-article size of every usable article seen
		res1      = min(reserve(opts.Unit), target/4)
	)
	next := func() (*Article, int64, bool, error) {
		for pos < len(order) {
			if err := ctx.Err(); err != nil {
				return nil, 0, false, err
			}
			a, err := pool.Article(order[pos])
			pos++
			if err != nil {
				return nil, 0, false, err
			}
			if len(a.Paragraphs) == 0 || opts.Exclude.Has(a.ID) {
				continue
			}
			c, err := m.cost(f.article(a))
			if err != nil {
				return nil, 0, false, err
			}
			available += c
			return a, c, true, nil
		}
		return nil, 0, false, nil
	}
	// Phase 1: whole articles.
	taken, rejected, gap, err := takeWhole(next, target, res1, maxFill)
	if err != nil {
		return nil, nil, err
	}
	if gap > 0 && pos == len(order) && available < target {
		return nil, nil, fmt.Errorf("corpus %s holds %d %s in %s layout (%d articles usable), less than the %d asked for: use a smaller target or a bigger corpus",
			pool.Path(), available, opts.Unit, f, usable(pool, opts.Exclude, len(order)), target)
	}
	// Phase 2: exact fill with sentences of articles not used whole. When
	// no exact fill exists, the last whole articles are given back to the
	// fill one at a time (up to maxBackoff), and the closest result kept.
	keep, fillCands, fillChosen, bestGap, err := fillBack(next, taken, rejected, gap, maxFill,
		func(goal int64, cands []drawn[*Article]) (int64, [][]int, error) {
			return fillGap(m, f, goal, cands)
		})
	if err != nil {
		return nil, nil, err
	}
	for _, d := range taken[:keep] {
		out = append(out, evalPart{text: f.article(d.p), cost: d.cost})
		res.Articles = append(res.Articles, d.p.ID)
		res.Sentences += d.p.Sentences()
	}
	for i, items := range fillChosen {
		if items == nil {
			continue
		}
		a := fillCands[i].p
		flat := flatten(a)
		var b strings.Builder
		b.WriteString(f.header(a))
		for _, k := range items {
			b.WriteString(f.paragraph([]string{flat[k]}))
		}
		b.WriteString(f.trailer())
		c, err := m.cost(b.String())
		if err != nil {
			return nil, nil, err
		}
		out = append(out, evalPart{text: b.String(), cost: c})
		res.Partial = append(res.Partial, PartialArticle{ID: a.ID, Sentences: len(items), Of: len(flat)})
		res.Sentences += len(items)
	}
	res.Achieved = target - bestGap
	res.Deviation = bestGap
	return out, res, nil
}

// maxBackoff bounds how many whole articles the fill may give back.
const maxBackoff = 8

// fillGap runs the exact fill for goal over the sentences of cands, adding
// articles until goal is reachable. It returns the best total and, per
// candidate, the sentences chosen (nil when unused).
func fillGap(m *measurer, f Format, goal int64, cands []drawn[*Article]) (int64, [][]int, error) {
	fl := newFiller(goal)
	for _, d := range cands {
		a := d.p
		if fl.reached() {
			break
		}
		g := fillGroup{}
		hc, err := m.cost(f.header(a) + f.trailer())
		if err != nil {
			return 0, nil, err
		}
		g.overhead = hc
		for _, p := range a.Paragraphs {
			for _, s := range p {
				c, err := m.cost(f.paragraph([]string{s}))
				if err != nil {
					return 0, nil, err
				}
				g.costs = append(g.costs, c)
			}
		}
		fl.add(g)
	}
	best, chosen := fl.solve()
	return best, chosen, nil
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
