package mix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/calibkit/calibkit/langs"
)

// EvalSource is one language of an eval set drawn from several corpora.
type EvalSource struct {
	// Name is the language code ("ja").
	Name string
	Pool *Pool
	// Share is the language's share of the target, in the unit.
	Share float64
	// Exclude holds the ids left out of this corpus.
	Exclude IDSet
}

// EvalPart reports one language of such an eval set.
type EvalPart struct {
	Name string `json:"name"`
	// Language is the English name of the code (package langs).
	Language    string  `json:"language,omitempty"`
	Corpus      string  `json:"corpus"`
	TargetShare float64 `json:"target_share"`
	// Target is the language's part of the target, Achieved what its
	// articles sum to, both in the unit.
	Target    int64 `json:"target"`
	Achieved  int64 `json:"achieved"`
	Deviation int64 `json:"deviation"`
	// Share is Achieved over the set's total.
	Share    float64          `json:"share"`
	Articles []string         `json:"article_ids"`
	Partial  []PartialArticle `json:"partial_articles"`
	// Sentences is the number of corpus sentences written.
	Sentences int `json:"corpus_sentences"`
	// Counts measures the language's articles alone (set by MakeEval).
	Counts *TextCounts `json:"counts,omitempty"`
	// CorpusSHA256 is the corpus's sha256 (set by MakeEval), so that a
	// mix's --exclude can tell which corpus the ids name.
	CorpusSHA256 string `json:"corpus_sha256,omitempty"`

	text string
}

// EvalLanguagesResult is what BuildEvalLanguages wrote.
type EvalLanguagesResult struct {
	EvalResult
	Parts []EvalPart
	// MaxPrefixError is the largest distance, in share points, between a
	// language's share and its target at the end of any article once
	// MinPrefixBlocks(languages) articles have been written.
	MaxPrefixError float64
}

// splitTarget divides target by shares (summing to 1) into whole parts
// that sum to target exactly: each floor(share × target), the rest one
// unit at a time to the largest remainders (the lower index on a tie).
func splitTarget(target int64, shares []float64) []int64 {
	out := make([]int64, len(shares))
	rem := make([]float64, len(shares))
	var sum int64
	for i, s := range shares {
		x := s * float64(target)
		out[i] = int64(math.Floor(x))
		rem[i] = x - float64(out[i])
		sum += out[i]
	}
	idx := make([]int, len(shares))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case rem[a] > rem[b]:
			return -1
		case rem[a] < rem[b]:
			return 1
		}
		return 0
	})
	for k := 0; sum < target; k++ {
		out[idx[k%len(idx)]]++
		sum++
	}
	return out
}

// BuildEvalLanguages cuts an eval set of opts.Target from several corpora:
// each language's part is exactly its share of the target (as BuildEval
// cuts one corpus: whole articles, then an exact fill of sentences), and
// the parts' articles are interleaved by the mix scheduler so that every
// prefix holds the shares as closely as whole articles allow (a
// `llama-perplexity --chunks N` run then scores every language). Articles
// stay whole and keep their order within a language. Token targets are not
// supported: whole-file token counts do not add up over parts.
func BuildEvalLanguages(ctx context.Context, srcs []EvalSource, w io.Writer, opts EvalOptions) (*EvalLanguagesResult, error) {
	if opts.Target <= 0 {
		return nil, errors.New("eval set target size must be positive")
	}
	if opts.Unit == Tokens {
		return nil, errors.New("an eval set of several languages is sized in bytes or chars: token counts of the whole file are not the sum of its languages' counts")
	}
	if len(srcs) == 0 {
		return nil, errors.New("no corpus to draw from")
	}
	m, err := newMeasurer(opts.Unit, opts.Counter)
	if err != nil {
		return nil, err
	}
	var (
		shares []float64
		sum    float64
	)
	for _, s := range srcs {
		if s.Pool == nil {
			return nil, fmt.Errorf("language %s has no corpus", s.Name)
		}
		if opts.Unit == Conversations && !s.Pool.Chat() {
			return nil, fmt.Errorf("language %s: corpus %s is plain text, not chat-formatted: it has no conversations to count; use bytes or chars", s.Name, s.Pool.Path())
		}
		if s.Share <= 0 || s.Share > 1 || math.IsNaN(s.Share) {
			return nil, fmt.Errorf("share of %s is %g: want a number above 0, at most 1", s.Name, s.Share)
		}
		shares = append(shares, s.Share)
		sum += s.Share
	}
	if math.Abs(sum-1) > 1e-9 {
		return nil, fmt.Errorf("the languages' shares sum to %g: an eval set's shares must sum to 1", sum)
	}
	targets := splitTarget(opts.Target, shares)
	res := &EvalLanguagesResult{}
	parts := make([][]evalPart, len(srcs))
	sizes := make([][]int64, len(srcs))
	for i, s := range srcs {
		o := opts
		o.Exclude = IDSet{}
		for id := range opts.Exclude {
			o.Exclude[id] = struct{}{}
		}
		for id := range s.Exclude {
			o.Exclude[id] = struct{}{}
		}
		ps, r, err := buildEval(ctx, s.Pool, m, o, targets[i])
		if err != nil {
			return nil, fmt.Errorf("language %s (share %g, %d %s): %w", s.Name, s.Share, targets[i], opts.Unit, err)
		}
		parts[i] = ps
		for _, p := range ps {
			sizes[i] = append(sizes[i], p.cost)
		}
		ep := EvalPart{Name: s.Name, Corpus: s.Pool.Path(), TargetShare: s.Share, Target: targets[i], Achieved: r.Achieved,
			Deviation: r.Deviation, Articles: nonNil(r.Articles), Partial: r.Partial, Sentences: r.Sentences}
		if l, err := langs.Lookup(s.Name); err == nil {
			ep.Language = l.Name
		}
		if ep.Partial == nil {
			ep.Partial = []PartialArticle{}
		}
		res.Parts = append(res.Parts, ep)
		res.Articles = append(res.Articles, r.Articles...)
		res.Partial = append(res.Partial, r.Partial...)
		res.Sentences += r.Sentences
		res.Conversations += r.Conversations
		res.Achieved += r.Achieved
		res.Deviation += r.Deviation
	}
	order := schedule(sizes, shares)
	var (
		out     []byte
		next    = make([]int, len(srcs))
		emitted = make([]float64, len(srcs))
		total   float64
		texts   = make([][]byte, len(srcs))
	)
	minArticles := MinPrefixBlocks(len(srcs))
	for k, j := range order {
		p := parts[j][next[j]]
		next[j]++
		out = append(out, p.text...)
		texts[j] = append(texts[j], p.text...)
		emitted[j] += float64(p.cost)
		total += float64(p.cost)
		if k+1 >= minArticles {
			for i := range emitted {
				res.MaxPrefixError = math.Max(res.MaxPrefixError, math.Abs(emitted[i]/total-shares[i]))
			}
		}
	}
	for i := range res.Parts {
		res.Parts[i].Share = float64(res.Parts[i].Achieved) / math.Max(float64(res.Achieved), 1)
		res.Parts[i].text = string(texts[i])
	}
	if _, err := w.Write(out); err != nil {
		return nil, fmt.Errorf("write eval set: %w", err)
	}
	return res, nil
}
