package mix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
)

// SweepOptions describes a ratio sweep: one mix per share of an added
// corpus, all of the same total size, other corpora keeping their shares.
type SweepOptions struct {
	// Mix holds the settings every mix shares: Base, Total (required),
	// Unit, Counter, ChunkTokens, BytesPerToken, Seed, Exclude. Its Adds
	// are ignored.
	Mix MixOptions
	// Name labels the added corpus whose share varies ("ja").
	Name string
	Pool *Pool
	// Exclude holds ids left out of Pool only (Add.Exclude).
	Exclude IDSet
	// Shares lists the varied corpus's shares, each from 0 to 1, no two
	// alike.
	Shares []float64
	// Fixed lists further corpora added to every mix at their own Share
	// (their Stream is ignored); the mixes list Name's source first, then
	// these in order.
	Fixed []Add
	// Nested draws one sentence sequence for all shares, so each larger
	// share's added text is a superset of each smaller one's and the Fixed
	// corpora give the same sentences to every mix. Without it every mix
	// draws its own sequences.
	Nested bool
}

// ShareFileName names a sweep's output for share s: "share-0.25.txt"
// (the share in %g form).
func ShareFileName(s float64) string { return fmt.Sprintf("share-%g.txt", s) }

// Sweep builds one mix per share, in the order given, and hands each to
// emit with its file name (ShareFileName) and result. It stops at the first
// error, from a mix or from emit.
func Sweep(ctx context.Context, opts SweepOptions, emit func(share float64, name string, text []byte, res *MixResult) error) error {
	if err := CheckShares(opts.Shares); err != nil {
		return err
	}
	if opts.Mix.Total <= 0 {
		return errors.New("a sweep needs a positive total size")
	}
	if opts.Pool == nil {
		return errors.New("a sweep needs a corpus to add")
	}
	fixed := 0.0
	for _, a := range opts.Fixed {
		fixed += a.Share
	}
	if top := slices.Max(opts.Shares); top+fixed > 1+1e-9 {
		return fmt.Errorf("share %g of %s and the fixed shares (%g in all) sum to %g, above 1: lower the largest share or a fixed one", top, opts.Name, fixed, top+fixed)
	}
	for i, s := range opts.Shares {
		mo := opts.Mix
		// Nested: the streams `calibkit mix` gives sources in this order,
		// so a nested sweep's mix is the mix of the same shares. Otherwise
		// a stream of each mix's own.
		stream := uint64(0)
		if !opts.Nested {
			stream = uint64(i) + 1
		}
		mo.Adds = []Add{{Name: opts.Name, Pool: opts.Pool, Share: s, Stream: stream, Exclude: opts.Exclude}}
		for j, a := range opts.Fixed {
			a.Stream = uint64(j) + 1
			if !opts.Nested {
				a.Stream += (uint64(i) + 1) << 32
			}
			mo.Adds = append(mo.Adds, a)
		}
		var buf bytes.Buffer
		res, err := Mix(ctx, &buf, mo)
		if err != nil {
			return fmt.Errorf("share %g: %w", s, err)
		}
		if err := emit(s, ShareFileName(s), buf.Bytes(), res); err != nil {
			return err
		}
	}
	return nil
}

// CheckShares rejects an empty list, shares outside 0..1 and repeated
// shares (they would name the same file).
func CheckShares(shares []float64) error {
	if len(shares) == 0 {
		return errors.New("no shares given")
	}
	seen := map[string]bool{}
	for _, s := range shares {
		if s < 0 || s > 1 || math.IsNaN(s) {
			return fmt.Errorf("share %g is outside 0..1", s)
		}
		name := ShareFileName(s)
		if seen[name] {
			return fmt.Errorf("share %g is given twice", s)
		}
		seen[name] = true
	}
	return nil
}
