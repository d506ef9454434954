package mix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/calibkit/calibkit/langs"
)

// Add is a corpus whose sentences are mixed into the base text.
type Add struct {
	// Name labels the source in manifests ("ja").
	Name string
	Pool *Pool
	// Factor asks for Factor times the base's size (factor mode).
	Factor float64
	// Share asks for this share of Total (share mode).
	Share float64
	// Stream selects the seeded draw: sources and mixes with the same
	// seed and stream draw the same sentence sequence, so a larger target
	// takes a superset of a smaller one's sentences.
	Stream uint64
	// Exclude holds article ids left out of this source only, in addition
	// to MixOptions.Exclude (the eval sets drawn from this source's
	// corpus: article ids are per corpus, so another language's article of
	// the same id stays usable).
	Exclude IDSet
}

// MixOptions describes a calibration mix: a base text interleaved with
// sentences drawn from one or more corpora.
type MixOptions struct {
	// BaseName labels the base in manifests and errors.
	BaseName string
	// Base holds the base text's lines, without their "\n".
	Base []string
	// BaseChat says the base is chat-formatted: each entry of Base is
	// then one whole conversation as written (the rendering and its
	// blank line) less the final "\n".
	BaseChat bool
	Adds     []Add
	// Total, when positive, selects share mode: the output is Total in
	// Unit, each Add gets Share of it and the base the rest (a prefix of
	// its lines). Otherwise factor mode: the whole base, plus Factor times
	// its size from each Add.
	Total int64
	Unit  Unit
	// Counter counts model tokens; required for Unit Tokens, optional
	// otherwise (it then sizes blocks in tokens and reports token shares).
	Counter TokenCounter
	// ChunkTokens is the imatrix chunk length blocks are sized to (512).
	ChunkTokens int
	// BytesPerToken estimates a token's size when no Counter is given (4).
	BytesPerToken float64
	Seed          uint64
	Exclude       IDSet
}

// SourceStats reports what one source contributed to a mix.
type SourceStats struct {
	Name string `json:"name"`
	// Language is the English name of the language Name codes (package
	// langs), "" for the base or a name that is no language code.
	Language string `json:"language,omitempty"`
	// TargetShare is the share asked for, in the mix's unit.
	TargetShare float64 `json:"target_share"`
	Bytes       int64   `json:"bytes"`
	Chars       int64   `json:"chars"`
	// Tokens is the sum of the pieces' token counts; -1 without a counter.
	Tokens      int64   `json:"tokens"`
	ShareBytes  float64 `json:"share_bytes"`
	ShareChars  float64 `json:"share_chars"`
	ShareTokens float64 `json:"share_tokens,omitempty"`
	Lines       int     `json:"lines"`
	// Sentences counts the corpus sentences an added source gave (one a
	// line); the base's lines are not sentences and count 0.
	Sentences int `json:"sentences,omitempty"`
	// ChatFormatted says the source is chat-formatted; Conversations
	// counts the whole conversations it gave.
	ChatFormatted bool     `json:"chat_formatted,omitempty"`
	Conversations int      `json:"conversations,omitempty"`
	Blocks        int      `json:"blocks"`
	Articles      []string `json:"article_ids,omitempty"`
}

// MixResult describes a mix Mix wrote.
type MixResult struct {
	Sources []SourceStats `json:"sources"`
	// Total is the output's size in the unit, priced piece by piece.
	Total int64 `json:"total"`
	// Target is the size asked for (share mode) or planned (factor mode).
	Target int64 `json:"target"`
	Blocks int   `json:"blocks"`
	// BlockSize is the block length aimed at, in BlockUnit.
	BlockSize int64  `json:"block_size"`
	BlockUnit string `json:"block_unit"`
	// MaxPrefixError is the largest distance, in share points (0.05 = 5
	// points), between a source's share in the unit and its target over
	// every prefix that spans at least PrefixBlocks blocks, measured at
	// every line end.
	MaxPrefixError float64 `json:"max_prefix_error"`
	// PrefixBlocks is ten blocks per added corpus: 10 with one, 20 with
	// two, 30 with three (MinPrefixBlocks).
	PrefixBlocks int `json:"prefix_blocks"`
}

// MinPrefixBlocks is how many blocks a prefix of a mix with adds added
// corpora must span for each share to be held within five points: ten per
// added corpus (measured over two to four sources, shares from 0.05 to
// 0.9, in bytes and characters; with more sources, small blocks of one
// source and large ones of another need longer prefixes to even out).
func MinPrefixBlocks(adds int) int { return 10 * max(adds, 1) }

// piece is one line of the output, a base line or a corpus sentence, or
// one whole conversation of a chat-formatted source.
type piece struct {
	text  string // with its "\n"
	cost  int64  // in the mix's unit
	block int64  // in the block unit
}

// Mix interleaves the base lines and the sentences drawn from each Add in
// blocks about one imatrix chunk long and writes the result to w, one line
// per base line or sentence. The base keeps its order and its lines are
// never broken; added text is whole sentences of articles in a seeded
// order, sentences in article order. Chat-formatted sources (a chat
// Pool, BaseChat) give whole conversations instead of lines and
// sentences, and when there is one the whole mix is chat-formatted: its
// tokens are counted with special tokens parsed (WithSpecialTokens).
func Mix(ctx context.Context, w io.Writer, opts MixOptions) (*MixResult, error) {
	if opts.BaseName == "" {
		opts.BaseName = "base"
	}
	if err := checkAdds(opts); err != nil {
		return nil, err
	}
	// The mix is chat-formatted when a chat source gives it text.
	shares := 0.0
	for _, a := range opts.Adds {
		shares += a.Share
	}
	chat := opts.BaseChat && (opts.Total <= 0 || 1-shares > 1e-9)
	for _, a := range opts.Adds {
		chat = chat || a.Pool.Chat() && (opts.Total > 0 && a.Share > 0 || opts.Total <= 0 && a.Factor > 0)
	}
	counter := opts.Counter
	if chat {
		var err error
		if counter, err = WithSpecialTokens(counter); err != nil {
			return nil, err
		}
	}
	if err := checkConversationUnit(&opts); err != nil {
		return nil, err
	}
	m, err := newMeasurer(opts.Unit, counter)
	if err != nil {
		return nil, err
	}
	var tm *measurer
	if counter != nil {
		if tm, err = newMeasurer(Tokens, counter); err != nil {
			return nil, err
		}
	}
	if opts.ChunkTokens <= 0 {
		opts.ChunkTokens = 512
	}
	if opts.BytesPerToken <= 0 {
		opts.BytesPerToken = 4
	}
	blockOf := func(s string) (int64, error) {
		if tm != nil {
			return tm.cost(s)
		}
		return int64(len(s)), nil
	}
	blockSize := int64(opts.ChunkTokens)
	blockUnit := "tokens"
	if tm == nil {
		blockSize = int64(math.Round(float64(opts.ChunkTokens) * opts.BytesPerToken))
		blockUnit = "bytes"
	}

	// The base: all of it (factor mode) or a prefix (share mode).
	var (
		base              []piece
		baseSize, baseAll int64
	)
	shareSum := 0.0
	for _, a := range opts.Adds {
		shareSum += a.Share
	}
	baseTarget := int64(-1)
	if opts.Total > 0 {
		baseTarget = int64(math.Round(float64(opts.Total) * (1 - shareSum)))
	}
	for _, line := range opts.Base {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t := line + "\n"
		var c int64
		if opts.BaseChat {
			c, err = m.convCost(t)
		} else {
			c, err = m.cost(t)
		}
		if err != nil {
			return nil, err
		}
		bc, err := blockOf(t)
		if err != nil {
			return nil, err
		}
		base = append(base, piece{text: t, cost: c, block: bc})
		baseAll += c
	}
	baseSize = baseAll
	if baseTarget >= 0 && baseAll < baseTarget {
		return nil, fmt.Errorf("base %s holds %d %s, less than the %d %s its share of %.4g of %d needs: lower --total or the base's share",
			opts.BaseName, baseAll, opts.Unit, baseTarget, opts.Unit, 1-shareSum, opts.Total)
	}
	if baseTarget < 0 && baseSize == 0 {
		return nil, fmt.Errorf("base %s is empty: factor mode needs a base with text", opts.BaseName)
	}

	// The added sources: Share of the total, or Factor times the base.
	sources := make([][]piece, 1+len(opts.Adds))
	stats := make([]SourceStats, 1+len(opts.Adds))
	stats[0].Name = opts.BaseName
	stats[0].ChatFormatted = opts.BaseChat
	var added int64
	for i, a := range opts.Adds {
		target := int64(math.Round(float64(baseSize) * a.Factor))
		if opts.Total > 0 {
			target = int64(math.Round(float64(opts.Total) * a.Share))
		}
		ps, ids, size, err := drawSentences(ctx, a, target, m, blockOf, opts)
		if err != nil {
			return nil, err
		}
		sources[i+1] = ps
		stats[i+1].Name = a.Name
		stats[i+1].ChatFormatted = a.Pool.Chat()
		if l, err := langs.Lookup(a.Name); err == nil {
			stats[i+1].Language = l.Name
		}
		stats[i+1].Articles = ids
		added += size
	}
	// In share mode the base fills the rest of the total exactly where its
	// lines allow: its first lines, then a few of the following lines
	// chosen by an exact fill. A base share of 0 takes no base at all.
	if baseTarget >= 0 {
		if baseTarget == 0 && 1-shareSum < 1e-9 {
			base, baseSize = nil, 0
		} else {
			base, baseSize = selectBase(base, max(opts.Total-added, 0))
		}
	}
	sources[0] = base

	// Blocks and their order.
	blocks := make([][][]piece, len(sources))
	sizes := make([][]int64, len(sources))
	amount := make([]float64, len(sources))
	var sum float64
	for j, ps := range sources {
		blocks[j] = cutBlocks(ps, blockSize)
		for _, b := range blocks[j] {
			var c int64
			for _, p := range b {
				c += p.cost
			}
			sizes[j] = append(sizes[j], c)
			amount[j] += float64(c)
		}
		sum += amount[j]
	}
	if sum == 0 {
		return nil, errors.New("the mix would be empty: give a base with text or a positive share or factor")
	}
	// The scheduler aims at the shares asked for, which the amounts drawn
	// match to within a line or a sentence.
	if opts.Total > 0 {
		stats[0].TargetShare = 1 - shareSum
		for i, a := range opts.Adds {
			stats[i+1].TargetShare = a.Share
		}
	} else {
		den := 1.0
		for _, a := range opts.Adds {
			den += a.Factor
		}
		stats[0].TargetShare = 1 / den
		for i, a := range opts.Adds {
			stats[i+1].TargetShare = a.Factor / den
		}
	}
	want := make([]float64, len(sources))
	for j := range want {
		want[j] = stats[j].TargetShare
	}
	order := schedule(sizes, want)

	// Write, measuring shares and the prefix property as we go.
	minBlocks := MinPrefixBlocks(len(opts.Adds))
	res := &MixResult{Blocks: len(order), BlockSize: blockSize, BlockUnit: blockUnit, Target: opts.Total, PrefixBlocks: minBlocks}
	if opts.Total <= 0 {
		res.Target = baseSize
		for _, a := range opts.Adds {
			res.Target += int64(math.Round(float64(baseSize) * a.Factor))
		}
	}
	var b strings.Builder
	next := make([]int, len(sources))
	emitted := make([]float64, len(sources))
	var total float64
	for k, j := range order {
		blk := blocks[j][next[j]]
		for pi, p := range blk {
			b.WriteString(p.text)
			st := &stats[j]
			st.Bytes += int64(len(p.text))
			st.Chars += int64(utf8.RuneCountInString(p.text))
			switch {
			case st.ChatFormatted:
				st.Lines += strings.Count(p.text, "\n")
				st.Conversations++
			case j > 0:
				st.Lines++
				st.Sentences++
			default:
				st.Lines++
			}
			if tm != nil {
				tc, err := tm.cost(p.text)
				if err != nil {
					return nil, err
				}
				st.Tokens += tc
			}
			emitted[j] += float64(p.cost)
			total += float64(p.cost)
			// A prefix spans ten blocks once the tenth block is complete.
			if k >= minBlocks || (k == minBlocks-1 && pi == len(blk)-1) {
				for i := range emitted {
					res.MaxPrefixError = math.Max(res.MaxPrefixError, math.Abs(emitted[i]/total-stats[i].TargetShare))
				}
			}
		}
		stats[j].Blocks++
		next[j]++
	}
	res.Total = int64(total)
	var tb, tc, tt int64
	for _, s := range stats {
		tb += s.Bytes
		tc += s.Chars
		tt += s.Tokens
	}
	for i := range stats {
		stats[i].ShareBytes = ratio(stats[i].Bytes, tb)
		stats[i].ShareChars = ratio(stats[i].Chars, tc)
		if tm != nil {
			stats[i].ShareTokens = ratio(stats[i].Tokens, tt)
		} else {
			stats[i].Tokens = -1
		}
	}
	res.Sources = stats
	if _, err := io.WriteString(w, b.String()); err != nil {
		return nil, fmt.Errorf("write mix: %w", err)
	}
	return res, nil
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// checkAdds rejects shares and factors that cannot be met.
func checkAdds(opts MixOptions) error {
	sum := 0.0
	for _, a := range opts.Adds {
		if a.Pool == nil {
			return fmt.Errorf("source %s has no corpus", a.Name)
		}
		if opts.Total > 0 {
			if a.Share < 0 || a.Share > 1 || math.IsNaN(a.Share) {
				return fmt.Errorf("share of %s is %g: want a number from 0 to 1", a.Name, a.Share)
			}
			sum += a.Share
		} else if a.Factor < 0 || math.IsNaN(a.Factor) || math.IsInf(a.Factor, 0) {
			return fmt.Errorf("factor of %s is %g: want a number of at least 0", a.Name, a.Factor)
		}
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("shares sum to %g, above 1: the base's share would be negative", sum)
	}
	return nil
}

// checkConversationUnit refuses plain sources in a mix measured in
// conversations; a plain base whose share is 0 is left out instead.
func checkConversationUnit(opts *MixOptions) error {
	if opts.Unit != Conversations {
		return nil
	}
	for _, a := range opts.Adds {
		if !a.Pool.Chat() {
			return fmt.Errorf("source %s: corpus %s is plain text, not chat-formatted (its manifest does not mark it chat_formatted): it has no conversations to count; use bytes, chars or tokens", a.Name, a.Pool.Path())
		}
	}
	if opts.BaseChat {
		return nil
	}
	shareSum := 0.0
	for _, a := range opts.Adds {
		shareSum += a.Share
	}
	if opts.Total > 0 && 1-shareSum < 1e-9 {
		opts.Base = nil // a share of 0: no base line is taken
		return nil
	}
	return fmt.Errorf("base %s is plain text, not chat-formatted: it has no conversations to count; use bytes, chars or tokens, or give the added sources shares summing to 1", opts.BaseName)
}

// baseReserve bounds the part of the base chosen by the exact fill rather
// than taken as a prefix.
const baseReserve = 16 << 10

// maxBaseFillLines bounds how many lines after the prefix the fill may
// choose from.
const maxBaseFillLines = 4096

// selectBase chooses base lines, in order and whole, totalling target as
// exactly as the lines allow without going over: the longest prefix that
// leaves a reserve, then a subset of the following lines found by an exact
// fill (a subset-sum over their sizes).
func selectBase(all []piece, target int64) ([]piece, int64) {
	reserve := min(target/4, baseReserve)
	var size int64
	k := 0
	for k < len(all) && size+all[k].cost <= target-reserve {
		size += all[k].cost
		k++
	}
	out := slices.Clone(all[:k])
	gap := target - size
	if gap <= 0 || k == len(all) {
		return out, size
	}
	cands := all[k:min(len(all), k+maxBaseFillLines)]
	g := fillGroup{}
	for _, p := range cands {
		g.costs = append(g.costs, p.cost)
	}
	f := newFiller(gap)
	f.add(g)
	best, chosen := f.solve()
	for _, i := range chosen[0] {
		out = append(out, cands[i])
	}
	return out, size + best
}

// cutBlocks groups consecutive pieces into blocks of about size (in the
// block unit): a block takes pieces while they fit, and at least one.
func cutBlocks(ps []piece, size int64) [][]piece {
	var (
		out [][]piece
		cur int64
		beg int
	)
	for i, p := range ps {
		if i > beg && cur+p.block > size {
			out = append(out, ps[beg:i])
			beg, cur = i, 0
		}
		cur += p.block
	}
	if beg < len(ps) {
		out = append(out, ps[beg:])
	}
	return out
}
