package mix

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/tokenize"
)

// makeEvalLanguages is MakeEval for opts.Sources: an eval set drawn from
// several corpora, its manifest listing each language's articles with the
// sha256 of the corpus they came from.
func makeEvalLanguages(ctx context.Context, opts MakeEvalOptions, sp *tokenize.Splitter, like *TextCounts) (*MakeEvalResult, error) {
	if opts.From != "" {
		return nil, errors.New("give From or Sources, not both")
	}
	lists, err := ReadExcludeLists(opts.Exclude...)
	if err != nil {
		return nil, err
	}
	pools, closePools, err := OpenPools(ctx, opts.Sources)
	if err != nil {
		return nil, err
	}
	defer closePools()
	var paths []string
	for _, s := range opts.Sources {
		paths = append(paths, s.Corpus)
	}
	if opts.Like != "" {
		paths = append(paths, opts.Like)
	}
	paths = append(paths, opts.Exclude...)
	inputs, err := HashInputs(paths)
	if err != nil {
		return nil, err
	}
	sums := corpusSums(inputs, opts.Sources)
	exclude := ExcludeFor(lists, sums)
	var srcs []EvalSource
	for i, s := range opts.Sources {
		sh, ok := opts.Shares[s.Name]
		if !ok {
			return nil, fmt.Errorf("language %s has no share", s.Name)
		}
		srcs = append(srcs, EvalSource{Name: s.Name, Pool: pools[i], Share: sh, Exclude: exclude[i]})
	}
	var buf bytes.Buffer
	res, err := BuildEvalLanguages(ctx, srcs, &buf, EvalOptions{Target: opts.Target, Unit: opts.Unit, Format: opts.Format, Seed: opts.Seed, Counter: opts.Counter})
	if err != nil {
		return nil, err
	}
	// Text that holds a chat-formatted part is counted with its special
	// tokens parsed, as imatrix will tokenize it.
	chat := false
	for _, p := range pools {
		chat = chat || p.Chat()
	}
	counter := opts.Counter
	if chat {
		if counter, err = WithSpecialTokens(counter); err != nil {
			return nil, err
		}
	}
	counts, err := Measure(buf.String(), sp, counter)
	if err != nil {
		return nil, fmt.Errorf("measure %s: %w", opts.Output, err)
	}
	for i := range res.Parts {
		c, err := Measure(res.Parts[i].text, sp, counter)
		if err != nil {
			return nil, fmt.Errorf("measure %s's %s part: %w", opts.Output, res.Parts[i].Name, err)
		}
		res.Parts[i].Counts = &c
		res.Parts[i].CorpusSHA256 = sums[i]
	}

	m := manifest.New(opts.Output, opts.Command)
	m.Inputs = append(m.Inputs, inputs...)
	fillEvalManifest(m, opts, counts, like, &res.EvalResult)
	if chat {
		var names []string
		for i, p := range pools {
			if p.Chat() {
				names = append(names, opts.Sources[i].Name)
			}
		}
		markEvalChat(m, &res.EvalResult, names)
	}
	m.Parameters["from"] = opts.Sources
	m.Parameters["share"] = opts.Shares
	// article_ids is the union, for readers of one-corpus manifests; ids of
	// different corpora may coincide, languages tells them apart.
	m.Extra["partial_articles"] = nonNilPartial(res.Partial)
	m.Extra["languages"] = res.Parts
	m.Extra["max_prefix_error"] = res.MaxPrefixError
	if err := writeOutput(opts.Output, buf.Bytes(), m); err != nil {
		return nil, err
	}
	return &MakeEvalResult{Output: opts.Output, Target: opts.Target, Eval: &res.EvalResult, Counts: counts, Like: like,
		Parts: res.Parts, MaxPrefixError: res.MaxPrefixError}, nil
}

func nonNilPartial(p []PartialArticle) []PartialArticle {
	if p == nil {
		return []PartialArticle{}
	}
	return p
}
