package hfdataset

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"
)

// Tokenizer cuts text into a model's tokens and back. Implementations
// load only a model's vocabulary (see package hfdataset/llamatok).
type Tokenizer interface {
	// Tokenize returns the tokens of text, no BOS or EOS added.
	Tokenize(text string) ([]int32, error)
	// Detokenize returns the text of tokens.
	Detokenize(tokens []int32) (string, error)
}

// ErrNotEnoughText is returned when a split holds fewer than Samples
// windows of SeqLen units.
var ErrNotEnoughText = errors.New("not enough text for the samples asked for")

// SampleSpec asks for N windows of SeqLen units, drawn by Seed.
type SampleSpec struct {
	N      int
	SeqLen int
	Seed   uint64
	// Tokenizer measures SeqLen in model tokens; nil: in characters.
	Tokenizer Tokenizer
}

// Unit names what SeqLen counts.
func (s SampleSpec) Unit() string {
	if s.Tokenizer != nil {
		return "tokens"
	}
	return "characters"
}

// sampleWindows cuts text (a split's rows joined by "\n") into
// floor(len/SeqLen) back-to-back windows of SeqLen units and draws N of
// them without replacement with a PCG generator seeded by Seed (and the
// split's position, so two splits draw differently); the drawn windows
// are returned in text order, with their start offset in units. Drawing
// whole, non-overlapping windows means no sample repeats another's text.
func sampleWindows(text string, spec SampleSpec, stream uint64) ([]string, []int, int, error) {
	if spec.N < 1 || spec.SeqLen < 1 {
		return nil, nil, 0, fmt.Errorf("samples %d of length %d: want both at least 1", spec.N, spec.SeqLen)
	}
	var units int
	var toks []int32
	var runeStart []int // byte offset of every SeqLen-th rune
	if spec.Tokenizer != nil {
		var err error
		if toks, err = spec.Tokenizer.Tokenize(text); err != nil {
			return nil, nil, 0, fmt.Errorf("tokenize: %w", err)
		}
		units = len(toks)
	} else {
		i := 0
		for off := range text {
			if i%spec.SeqLen == 0 {
				runeStart = append(runeStart, off)
			}
			i++
		}
		units = i
		runeStart = append(runeStart, len(text))
	}
	windows := units / spec.SeqLen
	if spec.N > windows {
		return nil, nil, units, fmt.Errorf("%w: %d samples of %d %s need %d %s, the text holds %d (%d windows); ask for fewer or shorter samples, or give more text",
			ErrNotEnoughText, spec.N, spec.SeqLen, spec.Unit(), spec.N*spec.SeqLen, spec.Unit(), units, windows)
	}
	r := rand.New(rand.NewPCG(spec.Seed, 0x9e3779b97f4a7c15^stream))
	// partial Fisher-Yates over the window indices
	idx := make([]int, windows)
	for i := range idx {
		idx[i] = i
	}
	for i := 0; i < spec.N; i++ {
		j := i + r.IntN(windows-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	picked := slices.Clone(idx[:spec.N])
	slices.Sort(picked)
	out := make([]string, len(picked))
	starts := make([]int, len(picked))
	for k, w := range picked {
		starts[k] = w * spec.SeqLen
		if spec.Tokenizer != nil {
			s, err := spec.Tokenizer.Detokenize(toks[w*spec.SeqLen : (w+1)*spec.SeqLen])
			if err != nil {
				return nil, nil, units, fmt.Errorf("detokenize: %w", err)
			}
			out[k] = s
			continue
		}
		out[k] = strings.Clone(text[runeStart[w]:runeStart[w+1]])
		if utf8.RuneCountInString(out[k]) != spec.SeqLen {
			return nil, nil, units, fmt.Errorf("internal error: window %d is not %d characters", w, spec.SeqLen)
		}
	}
	return out, starts, units, nil
}
