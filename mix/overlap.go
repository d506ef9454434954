package mix

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// Segmenter cuts Japanese text into morphemes (tokenize.Tokenizer's
// Wakati: kagome, IPA dictionary, Normal mode, no whitespace).
type Segmenter interface {
	Wakati(text string) []string
}

// NGramOptions says how texts are cut into word n-grams.
type NGramOptions struct {
	// N is the n-gram length in words (13 when zero).
	N int
	// Segmenter splits Japanese lines into morphemes. Without it, every
	// line is split at white space.
	Segmenter Segmenter
}

func (o NGramOptions) n() int {
	if o.N <= 0 {
		return 13
	}
	return o.N
}

// IsJapaneseLine reports whether a line is to be cut into morphemes rather
// than at white space: at least a fifth of its non-space characters are
// kana or kanji.
func IsJapaneseLine(line string) bool {
	var ja, all int
	for _, r := range line {
		if unicode.IsSpace(r) {
			continue
		}
		all++
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			ja++
		}
	}
	return ja > 0 && ja*5 >= all
}

// Words returns a line's words: morphemes for a Japanese line (when a
// Segmenter is given), white-space separated fields otherwise.
func (o NGramOptions) Words(line string) []string {
	if o.Segmenter != nil && IsJapaneseLine(line) {
		return o.Segmenter.Wakati(line)
	}
	return strings.Fields(line)
}

// ngrams streams the 64-bit hashes of a text's word n-grams to fn. Words
// run on across lines, so the layout (one sentence or one paragraph per
// line, wikitext spacing) does not change the n-grams of the same prose.
// Lines are segmented in batches on all cores; the words keep their order.
func ngrams(ctx context.Context, r io.Reader, o NGramOptions, fn func(uint64)) error {
	n := o.n()
	ring := make([]uint64, n) // word hashes of the last n words
	var count int
	emit := func(words []string) {
		for _, w := range words {
			ring[count%n] = wordHash(w)
			count++
			if count >= n {
				fn(combine(ring, count, n))
			}
		}
	}
	const batchLines = 256
	workers := runtime.GOMAXPROCS(0)
	br := bufio.NewReaderSize(r, 1<<16)
	var off int64
	eof := false
	for !eof {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Read a round of batches, segment them concurrently, emit in order.
		batches := make([][]string, 0, 2*workers)
		for len(batches) < 2*workers && !eof {
			var batch []string
			for len(batch) < batchLines {
				line, err := br.ReadString('\n')
				if bad := invalidUTF8Offset([]byte(line)); bad >= 0 {
					return fmt.Errorf("not UTF-8: invalid byte 0x%02x at byte offset %d", line[bad], off+int64(bad))
				}
				off += int64(len(line))
				if len(line) > 0 {
					batch = append(batch, line)
				}
				if err == io.EOF {
					eof = true
					break
				}
				if err != nil {
					return err
				}
			}
			batches = append(batches, batch)
		}
		words := make([][][]string, len(batches))
		var wg sync.WaitGroup
		next := make(chan int)
		for range min(workers, len(batches)) {
			wg.Go(func() {
				for b := range next {
					out := make([][]string, len(batches[b]))
					for k, line := range batches[b] {
						out[k] = o.Words(line)
					}
					words[b] = out
				}
			})
		}
		for b := range batches {
			next <- b
		}
		close(next)
		wg.Wait()
		for _, bw := range words {
			for _, lw := range bw {
				emit(lw)
			}
		}
	}
	return nil
}

// wordHash is FNV-1a over the word's bytes.
func wordHash(w string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(w); i++ {
		h ^= uint64(w[i])
		h *= 1099511628211
	}
	return h
}

// combine hashes the last n word hashes in order.
func combine(ring []uint64, count, n int) uint64 {
	h := uint64(0x84222325cbf29ce4)
	for i := count - n; i < count; i++ {
		h ^= ring[i%n]
		h *= 0x100000001b3
		h ^= h >> 29
	}
	return h
}

// NGramSet is a set of n-gram hashes, sorted for binary search (8 bytes per
// distinct n-gram).
type NGramSet struct {
	hashes []uint64
	total  int64
}

// BuildNGramSet reads r and collects its n-grams.
func BuildNGramSet(ctx context.Context, r io.Reader, o NGramOptions) (*NGramSet, error) {
	s := &NGramSet{}
	err := ngrams(ctx, r, o, func(h uint64) {
		s.hashes = append(s.hashes, h)
		s.total++
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(s.hashes)
	s.hashes = slices.Compact(s.hashes)
	return s, nil
}

// Has reports whether the n-gram with hash h is in the set.
func (s *NGramSet) Has(h uint64) bool {
	_, ok := slices.BinarySearch(s.hashes, h)
	return ok
}

// Len returns the number of distinct n-grams.
func (s *NGramSet) Len() int { return len(s.hashes) }

// OverlapResult is the share of one text's n-grams found in another.
type OverlapResult struct {
	N int `json:"n"`
	// NGrams counts A's n-grams (every position); Shared those of them
	// that occur in B; Share is Shared / NGrams.
	NGrams int64   `json:"ngrams"`
	Shared int64   `json:"shared"`
	Share  float64 `json:"share"`
	// Distinct counts A's distinct n-grams; DistinctShared those in B.
	Distinct       int64   `json:"distinct"`
	DistinctShared int64   `json:"distinct_shared"`
	DistinctShare  float64 `json:"distinct_share"`
	// NGramsB counts B's n-grams.
	NGramsB int64 `json:"ngrams_b"`
}

// Overlap reports the share of a's word n-grams that also occur in b. b is
// held as a set of hashes (8 bytes per distinct n-gram); a is streamed.
func Overlap(ctx context.Context, a, b io.Reader, o NGramOptions) (*OverlapResult, error) {
	set, err := BuildNGramSet(ctx, b, o)
	if err != nil {
		return nil, fmt.Errorf("read B: %w", err)
	}
	return OverlapWith(ctx, a, set, o)
}

// OverlapWith is Overlap against an n-gram set already built.
func OverlapWith(ctx context.Context, a io.Reader, set *NGramSet, o NGramOptions) (*OverlapResult, error) {
	if set == nil {
		return nil, errors.New("no n-gram set")
	}
	res := &OverlapResult{N: o.n(), NGramsB: set.total}
	var seen []uint64
	err := ngrams(ctx, a, o, func(h uint64) {
		res.NGrams++
		if set.Has(h) {
			res.Shared++
		}
		seen = append(seen, h)
	})
	if err != nil {
		return nil, fmt.Errorf("read A: %w", err)
	}
	slices.Sort(seen)
	seen = slices.Compact(seen)
	res.Distinct = int64(len(seen))
	for _, h := range seen {
		if set.Has(h) {
			res.DistinctShared++
		}
	}
	res.Share = ratio(res.Shared, res.NGrams)
	res.DistinctShare = ratio(res.DistinctShared, res.Distinct)
	return res, nil
}

// hashSeq returns the hashes of r's n-grams in order.
func hashSeq(ctx context.Context, r io.Reader, o NGramOptions) ([]uint64, error) {
	var hs []uint64
	err := ngrams(ctx, r, o, func(h uint64) { hs = append(hs, h) })
	return hs, err
}

// setOf returns the sorted distinct hashes of a sequence.
func setOf(hs []uint64) *NGramSet {
	s := &NGramSet{hashes: slices.Clone(hs), total: int64(len(hs))}
	slices.Sort(s.hashes)
	s.hashes = slices.Compact(s.hashes)
	return s
}

// overlapOf counts how many of seq's n-grams are in set.
func overlapOf(seq []uint64, distinct *NGramSet, set *NGramSet, n int) *OverlapResult {
	res := &OverlapResult{N: n, NGrams: int64(len(seq)), NGramsB: set.total, Distinct: int64(distinct.Len())}
	for _, h := range seq {
		if set.Has(h) {
			res.Shared++
		}
	}
	for _, h := range distinct.hashes {
		if set.Has(h) {
			res.DistinctShared++
		}
	}
	res.Share = ratio(res.Shared, res.NGrams)
	res.DistinctShare = ratio(res.DistinctShared, res.Distinct)
	return res
}

// OverlapBoth reports the overlap both ways, segmenting each text once: the
// share of a's n-grams found in b, and of b's found in a. Both texts are
// held as hash sequences (8 bytes per n-gram), so it suits eval-sized files.
func OverlapBoth(ctx context.Context, a, b io.Reader, o NGramOptions) (aInB, bInA *OverlapResult, err error) {
	sa, err := hashSeq(ctx, a, o)
	if err != nil {
		return nil, nil, fmt.Errorf("read A: %w", err)
	}
	sb, err := hashSeq(ctx, b, o)
	if err != nil {
		return nil, nil, fmt.Errorf("read B: %w", err)
	}
	setA, setB := setOf(sa), setOf(sb)
	return overlapOf(sa, setA, setB, o.n()), overlapOf(sb, setB, setA, o.n()), nil
}
