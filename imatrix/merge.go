package imatrix

import (
	"fmt"
	"math"
)

// MergeInput is one file's share of a merge.
type MergeInput struct {
	// Name labels the file in errors.
	Name string
	Data *Data
	// Weight scales the file's sums and counts, so that its mean squares
	// keep their values but count Weight times as much in the result. It
	// must be positive; use 1 for llama.cpp's plain --in-file merge.
	Weight float64
}

// Merge adds imatrix files together as llama-imatrix --in-file does: per
// entry, sums of squares, sums and counts are added, in input order and in
// float32 like llama.cpp; entries present in only some files are kept;
// dataset lists are joined in order. With weights, each file's sums are
// multiplied by its weight and its counts by the weight rounded to integers.
//
// An entry read from a .dat file (one count for all experts) merges with the
// same entry of a GGUF file (one count per expert) by giving its count to
// every expert, as llama.cpp broadcasts it. Activation sums (in_sum) are
// kept only when every file that has the entry has them. The chunk size is
// the first file's that has one; the chunk count is the largest count divided
// by it, as llama.cpp recomputes it. Entries whose sizes differ are a
// *MismatchError naming both files.
func Merge(inputs []MergeInput) (*Data, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("merge: no input files")
	}
	type acc struct {
		e     *Entry
		first string // the file that brought the entry first
	}
	out := &Data{}
	byName := map[string]*acc{}
	var order []string
	for _, in := range inputs {
		w := in.Weight
		if !(w > 0) || math.IsInf(w, 0) {
			return nil, fmt.Errorf("merge %s: weight %v: must be a positive number", in.Name, w)
		}
		if err := in.Data.Validate(); err != nil {
			return nil, fmt.Errorf("merge %s: %w", in.Name, err)
		}
		out.Datasets = append(out.Datasets, in.Data.Datasets...)
		if out.ChunkSize == 0 {
			out.ChunkSize = in.Data.ChunkSize
		}
		for _, e := range in.Data.Entries {
			a, ok := byName[e.Name]
			if !ok {
				m := &Entry{Name: e.Name, Cols: e.Cols, Counts: make([]int64, e.NMat()), Sums: make([]float32, len(e.Sums))}
				if e.Activations != nil {
					m.Activations = make([]float32, len(e.Sums))
				}
				a = &acc{e: m, first: in.Name}
				byName[e.Name] = a
				order = append(order, e.Name)
			} else if err := reshapeFor(a.e, e); err != nil {
				return nil, &MismatchError{Entry: e.Name, FileA: a.first, FileB: in.Name,
					ColsA: a.e.Cols, ExpertsA: a.e.NMat(), ColsB: e.Cols, ExpertsB: e.NMat()}
			}
			addScaled(a.e.Sums, e.Sums, w)
			if a.e.Activations != nil && e.Activations != nil {
				addScaled(a.e.Activations, e.Activations, w)
			} else {
				a.e.Activations = nil
			}
			for m := range a.e.Counts {
				c := e.Counts[0]
				if e.NMat() > 1 {
					c = e.Counts[m]
				}
				sc := scaleCount(c, w)
				if c > 0 && sc == 0 {
					return nil, fmt.Errorf("merge %s: entry %q: weight %v turns the count %d into 0, which would leave sums without a count: use a larger weight", in.Name, e.Name, w, c)
				}
				a.e.Counts[m] += sc
			}
		}
	}
	maxCount := int64(0)
	for _, name := range order {
		e := byName[name].e
		for _, c := range e.Counts {
			maxCount = max(maxCount, c)
		}
		out.Entries = append(out.Entries, e)
	}
	if out.ChunkSize > 0 {
		out.ChunkCount = int(maxCount / int64(out.ChunkSize))
	}
	out.Entries = sortedEntries(out)
	if err := out.Validate(); err != nil { // e.g. float32 overflow of the sums
		return nil, fmt.Errorf("merge: %w", err)
	}
	return out, nil
}

// reshapeFor makes the accumulated entry a ready to take e: same shape, or
// a single-count entry (from a .dat file) that spreads over e's experts.
func reshapeFor(a, e *Entry) error {
	if !sameShape(a, e) {
		return fmt.Errorf("sizes differ")
	}
	switch {
	case a.NMat() == e.NMat():
	case a.NMat() == 1:
		c := a.Counts[0]
		a.Counts = make([]int64, e.NMat())
		for m := range a.Counts {
			a.Counts[m] = c
		}
		a.Cols = e.Cols
	case e.NMat() == 1:
		// e's single count goes to every expert of a.
	default:
		return fmt.Errorf("expert counts differ")
	}
	return nil
}

func addScaled(dst, src []float32, w float64) {
	if w == 1 {
		for i, v := range src {
			dst[i] += v
		}
		return
	}
	for i, v := range src {
		dst[i] += float32(float64(v) * w)
	}
}

func scaleCount(c int64, w float64) int64 {
	if w == 1 {
		return c
	}
	return int64(math.Round(float64(c) * w))
}
