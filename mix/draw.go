package mix

import (
	"context"
	"fmt"
	"strings"
)

// drawSentences takes sentences of a's corpus in its seeded article order,
// as the prefix of that one sequence whose size is nearest to target (the
// shorter on a tie), so a larger target always takes a superset. It returns
// the sentences, the ids of the articles they came from and their size.
func drawSentences(ctx context.Context, a Add, target int64, m *measurer, blockOf func(string) (int64, error), opts MixOptions) ([]piece, []string, int64, error) {
	if target <= 0 {
		return nil, nil, 0, nil
	}
	if a.Pool.Chat() {
		return drawConversations(ctx, a, target, m, blockOf, opts)
	}
	order := a.Pool.Order(opts.Seed, 100+a.Stream)
	var (
		out  []piece
		ids  []string
		size int64
	)
	for _, idx := range order {
		if err := ctx.Err(); err != nil {
			return nil, nil, 0, err
		}
		art, err := a.Pool.Article(idx)
		if err != nil {
			return nil, nil, 0, err
		}
		if opts.Exclude.Has(art.ID) || a.Exclude.Has(art.ID) || len(art.Paragraphs) == 0 {
			continue
		}
		used := false
		for _, para := range art.Paragraphs {
			for _, s := range para {
				t := oneLine(strings.TrimSpace(s)) + "\n"
				c, err := m.cost(t)
				if err != nil {
					return nil, nil, 0, err
				}
				if size+c > target && size+c-target >= target-size {
					if used {
						ids = append(ids, art.ID)
					}
					return out, ids, size, nil
				}
				bc, err := blockOf(t)
				if err != nil {
					return nil, nil, 0, err
				}
				out = append(out, piece{text: t, cost: c, block: bc})
				size += c
				used = true
				if size >= target {
					ids = append(ids, art.ID)
					return out, ids, size, nil
				}
			}
		}
		ids = append(ids, art.ID)
	}
	return nil, nil, 0, fmt.Errorf("corpus %s holds %d %s of usable sentences, less than the %d %s source %s needs: lower the share, factor or total, or use a bigger corpus",
		a.Pool.Path(), size, m.unit, target, m.unit, a.Name)
}

// drawConversations is drawSentences for a chat corpus: whole
// conversations in the seeded order, the prefix of that one sequence whose
// size is nearest to target (the shorter on a tie). A first conversation
// so large that the nearest prefix is empty is an error naming it, never
// cut.
func drawConversations(ctx context.Context, a Add, target int64, m *measurer, blockOf func(string) (int64, error), opts MixOptions) ([]piece, []string, int64, error) {
	order := a.Pool.Order(opts.Seed, 100+a.Stream)
	var (
		out  []piece
		ids  []string
		size int64
	)
	for _, idx := range order {
		if err := ctx.Err(); err != nil {
			return nil, nil, 0, err
		}
		c, err := a.Pool.conversation(idx)
		if err != nil {
			return nil, nil, 0, err
		}
		if c.text == "" || opts.Exclude.Has(c.id) || a.Exclude.Has(c.id) {
			continue
		}
		cost, err := m.convCost(c.text)
		if err != nil {
			return nil, nil, 0, err
		}
		if size+cost > target && size+cost-target >= target-size {
			if len(out) == 0 {
				return nil, nil, 0, fmt.Errorf("source %s: %s is %d %s, at least twice the %d %s its share or factor asks for, and conversations are never cut: raise the share, factor or total",
					a.Name, c.where(a.Pool.Path()), cost, m.unit, target, m.unit)
			}
			return out, ids, size, nil
		}
		bc, err := blockOf(c.text)
		if err != nil {
			return nil, nil, 0, err
		}
		out = append(out, piece{text: c.text, cost: cost, block: bc})
		ids = append(ids, c.id)
		size += cost
		if size >= target {
			return out, ids, size, nil
		}
	}
	return nil, nil, 0, fmt.Errorf("chat corpus %s holds %d %s in whole conversations, less than the %d %s source %s needs: lower the share, factor or total, or use a bigger corpus",
		a.Pool.Path(), size, m.unit, target, m.unit, a.Name)
}
