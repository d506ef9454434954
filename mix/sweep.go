package mix

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
)

// SweepOptions describes a ratio sweep: one mix per share of an added
// corpus, all of the same total size.
type SweepOptions struct {
	// Mix holds the settings every mix shares: Base, Total (required),
	// Unit, Counter, ChunkTokens, BytesPerToken, Seed, Exclude. Its Adds
	// are ignored.
	Mix MixOptions
	// Name labels the added corpus ("ja").
	Name string
	Pool *Pool
	// Shares lists the added corpus's shares, each from 0 to 1, no two
	// alike.
	Shares []float64
	// Nested draws one sentence sequence for all shares, so each larger
	// share's added text is a superset of each smaller one's. Without it
	// every share draws its own sequence.
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
	for i, s := range opts.Shares {
		mo := opts.Mix
		stream := uint64(0)
		if !opts.Nested {
			stream = uint64(i) + 1
		}
		mo.Adds = []Add{{Name: opts.Name, Pool: opts.Pool, Share: s, Stream: stream}}
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
