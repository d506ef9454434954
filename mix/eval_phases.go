package mix

import "slices"

// maxFill is EvalOptions.MaxFillArticles, 64 when not set.
func (o EvalOptions) maxFill() int {
	if o.MaxFillArticles <= 0 {
		return 64
	}
	return o.MaxFillArticles
}

// drawn is a piece drawn for an eval set (an article, a conversation) and
// its size in the set's unit.
type drawn[P any] struct {
	p    P
	cost int64
}

// nextPiece returns the next usable piece in the seeded order, or ok false
// when the corpus is exhausted.
type nextPiece[P any] func() (p P, cost int64, ok bool, err error)

// takeWhole is an eval set's first phase: pieces from next are taken whole
// while each meets the gap exactly or leaves at least res1 of it for the
// fill, until the gap closes, the corpus runs out, or maxMisses pieces in
// a row did not fit. Up to maxFill of those that did not fit are kept for
// the fill. It returns what was taken, what was kept and the gap left.
func takeWhole[P any](next nextPiece[P], target, res1 int64, maxFill int) (taken, rejected []drawn[P], gap int64, err error) {
	gap = target
	misses := 0
	for gap > 0 && misses < maxMisses {
		p, c, ok, err := next()
		if err != nil {
			return nil, nil, 0, err
		}
		if !ok {
			break
		}
		if c == gap || (c < gap && gap-c >= res1) {
			taken = append(taken, drawn[P]{p, c})
			gap -= c
			misses = 0
			continue
		}
		misses++
		if len(rejected) < maxFill {
			rejected = append(rejected, drawn[P]{p, c})
		}
	}
	return taken, rejected, gap, nil
}

// fillBack is the second phase, for a gap left by takeWhole: the pieces
// that did not fit, topped up from next to maxFill, are the fill's
// candidates; fill runs for the gap, then with the last whole pieces given
// back one at a time (up to maxBackoff, each then a candidate too, the
// last given back first), and the closest result is kept. It returns how
// many of taken stay whole, the candidates and choice of the kept fill,
// and the gap that remains (0 when the fill meets it).
func fillBack[P, C any](next nextPiece[P], taken, rejected []drawn[P], gap int64, maxFill int,
	fill func(goal int64, cands []drawn[P]) (best int64, chosen C, err error)) (keep int, cands []drawn[P], chosen C, left int64, err error) {
	keep, left = len(taken), gap
	if gap <= 0 {
		return keep, nil, chosen, left, nil
	}
	extra := rejected
	for len(extra) < maxFill {
		p, c, ok, err := next()
		if err != nil {
			return 0, nil, chosen, 0, err
		}
		if !ok {
			break
		}
		extra = append(extra, drawn[P]{p, c})
	}
	goal := gap
	left = -1
	for back := 0; back <= min(maxBackoff, len(taken)); back++ {
		if back > 0 {
			goal += taken[len(taken)-back].cost
		}
		cs := slices.Clone(taken[len(taken)-back:])
		slices.Reverse(cs)
		cs = append(cs, extra...)
		best, ch, err := fill(goal, cs)
		if err != nil {
			return 0, nil, chosen, 0, err
		}
		if left < 0 || goal-best < left {
			left, keep, cands, chosen = goal-best, len(taken)-back, cs, ch
		}
		if left == 0 {
			break
		}
	}
	return keep, cands, chosen, left, nil
}
