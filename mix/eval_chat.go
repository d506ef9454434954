package mix

import (
	"context"
	"fmt"
)

// buildEvalChat builds an eval set of target in m's unit from a chat
// corpus out of whole conversations only: conversations are drawn in the
// seeded order and taken while they fit and leave the fill's reserve; the
// gap is then filled exactly with a subset of further conversations (a
// subset-sum over their sizes), giving back up to maxBackoff of the last
// ones taken when that finds a closer fill. No conversation is cut, so
// when no subset meets the target the set stops below it and says so in
// Deviation. Each conversation is written as corpus build's .txt writes
// it (the rendering, then a blank line); Format does not apply.
func buildEvalChat(ctx context.Context, pool *Pool, m *measurer, opts EvalOptions, target int64) ([]evalPart, *EvalResult, error) {
	maxFill := opts.maxFill()
	order := pool.Order(opts.Seed, 1)
	var (
		pos       int
		available int64
		seen      int
		smallest  *conversation
		minCost   int64
	)
	next := func() (*conversation, int64, bool, error) {
		for pos < len(order) {
			if err := ctx.Err(); err != nil {
				return nil, 0, false, err
			}
			c, err := pool.conversation(order[pos])
			pos++
			if err != nil {
				return nil, 0, false, err
			}
			if c.text == "" || opts.Exclude.Has(c.id) {
				continue
			}
			cost, err := m.convCost(c.text)
			if err != nil {
				return nil, 0, false, err
			}
			available += cost
			seen++
			if smallest == nil || cost < minCost {
				smallest, minCost = c, cost
			}
			return c, cost, true, nil
		}
		return nil, 0, false, nil
	}
	res1 := min(reserve(opts.Unit), target/4)
	taken, rejected, gap, err := takeWhole(next, target, res1, maxFill)
	if err != nil {
		return nil, nil, err
	}
	if gap > 0 && pos == len(order) && available < target {
		return nil, nil, fmt.Errorf("chat corpus %s holds %d %s in %d whole conversations, less than the %d asked for: use a smaller target or a bigger corpus",
			pool.Path(), available, opts.Unit, seen, target)
	}
	keep, fillCands, chosen, bestGap, err := fillBack(next, taken, rejected, gap, maxFill,
		func(goal int64, cands []drawn[*conversation]) (int64, []int, error) {
			g := fillGroup{}
			for _, c := range cands {
				g.costs = append(g.costs, c.cost)
			}
			f := newFiller(goal)
			f.add(g)
			best, ch := f.solve()
			return best, ch[0], nil
		})
	if err != nil {
		return nil, nil, err
	}
	res := &EvalResult{Achieved: target - bestGap, Deviation: bestGap}
	var out []evalPart
	add := func(c drawn[*conversation]) {
		out = append(out, evalPart{text: c.p.text, cost: c.cost})
		res.Articles = append(res.Articles, c.p.id)
		res.Conversations++
	}
	for _, c := range taken[:keep] {
		add(c)
	}
	for _, i := range chosen {
		add(fillCands[i])
	}
	if len(out) == 0 {
		if smallest == nil {
			return nil, nil, fmt.Errorf("chat corpus %s has no usable conversation (all empty or excluded)", pool.Path())
		}
		return nil, nil, fmt.Errorf("no whole conversation of %s fits in the %d %s asked for: the smallest drawn, %s, is %d %s, and conversations are never cut; ask for more",
			pool.Path(), target, opts.Unit, smallest.where(pool.Path()), minCost, opts.Unit)
	}
	return out, res, nil
}
