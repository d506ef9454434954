package mix

import (
	"context"
	"fmt"
	"slices"
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
	maxFill := opts.MaxFillArticles
	if maxFill <= 0 {
		maxFill = 64
	}
	order := pool.Order(opts.Seed, 1)
	var (
		pos       int
		available int64
		seen      int
		smallest  *conversation
		minCost   int64
	)
	type conv struct {
		c    *conversation
		cost int64
	}
	next := func() (*conv, error) {
		for pos < len(order) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			c, err := pool.conversation(order[pos])
			pos++
			if err != nil {
				return nil, err
			}
			if c.text == "" || opts.Exclude.Has(c.id) {
				continue
			}
			cost, err := m.convCost(c.text)
			if err != nil {
				return nil, err
			}
			available += cost
			seen++
			if smallest == nil || cost < minCost {
				smallest, minCost = c, cost
			}
			return &conv{c, cost}, nil
		}
		return nil, nil
	}
	res1 := min(reserve(opts.Unit), target/4)
	var (
		taken, rejected []*conv
		gap             = target
		misses          int
	)
	for gap > 0 && misses < maxMisses {
		c, err := next()
		if err != nil {
			return nil, nil, err
		}
		if c == nil {
			break
		}
		if c.cost == gap || (c.cost < gap && gap-c.cost >= res1) {
			taken = append(taken, c)
			gap -= c.cost
			misses = 0
			continue
		}
		misses++
		if len(rejected) < maxFill {
			rejected = append(rejected, c)
		}
	}
	if gap > 0 && pos == len(order) && available < target {
		return nil, nil, fmt.Errorf("chat corpus %s holds %d %s in %d whole conversations, less than the %d asked for: use a smaller target or a bigger corpus",
			pool.Path(), available, opts.Unit, seen, target)
	}
	keep, bestGap := len(taken), gap
	var (
		fillCands []*conv
		chosen    []int
	)
	if gap > 0 {
		extra := rejected
		for len(extra) < maxFill {
			c, err := next()
			if err != nil {
				return nil, nil, err
			}
			if c == nil {
				break
			}
			extra = append(extra, c)
		}
		goal := gap
		bestGap = -1
		for back := 0; back <= min(maxBackoff, len(taken)); back++ {
			if back > 0 {
				goal += taken[len(taken)-back].cost
			}
			cands := slices.Clone(taken[len(taken)-back:])
			slices.Reverse(cands)
			cands = append(cands, extra...)
			g := fillGroup{}
			for _, c := range cands {
				g.costs = append(g.costs, c.cost)
			}
			f := newFiller(goal)
			f.add(g)
			best, ch := f.solve()
			if bestGap < 0 || goal-best < bestGap {
				bestGap, keep, fillCands, chosen = goal-best, len(taken)-back, cands, ch[0]
			}
			if bestGap == 0 {
				break
			}
		}
	}
	res := &EvalResult{Achieved: target - bestGap, Deviation: bestGap}
	var out []evalPart
	add := func(c *conv) {
		out = append(out, evalPart{text: c.c.text, cost: c.cost})
		res.Articles = append(res.Articles, c.c.id)
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
