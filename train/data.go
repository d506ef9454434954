package train

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"unicode/utf8"
)

// source is one input file cut into the part trained on and the held-out
// rest.
type source struct {
	Path    string
	Train   string
	HeldOut string
}

// readSources reads each input and cuts it at the first line start at or
// after (1−heldOut) of its bytes.
func readSources(paths []string, heldOut float64) ([]source, error) {
	var out []source
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read input: %w", err)
		}
		if !utf8.Valid(b) {
			return nil, fmt.Errorf("input %s is not valid UTF-8 (first bad byte at offset %d); convert it first", p, firstInvalid(b))
		}
		text := strings.ReplaceAll(string(b), "\r\n", "\n")
		cut := int(float64(len(text)) * (1 - heldOut))
		if i := strings.IndexByte(text[cut:], '\n'); i >= 0 {
			cut += i + 1
		} else {
			cut = len(text)
		}
		s := source{Path: p, Train: text[:cut], HeldOut: text[cut:]}
		if strings.TrimSpace(s.HeldOut) == "" {
			return nil, fmt.Errorf("input %s: nothing is left for the held-out share %.2g after its last line break (%d bytes); give a text of several lines", p, heldOut, len(text))
		}
		out = append(out, s)
	}
	return out, nil
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// window is one step's tokens and the token that follows each.
type window struct {
	Tokens, Labels []int32
}

// windows cuts a token stream into whole windows of n tokens (each with
// the n labels that follow), side by side without overlap.
func windows(toks []int32, n int) []window {
	var out []window
	for i := 0; i+n+1 <= len(toks); i += n {
		out = append(out, window{Tokens: toks[i : i+n], Labels: toks[i+1 : i+n+1]})
	}
	return out
}

// order returns the window order of one epoch: a permutation drawn from
// seed and the epoch number.
func order(n int, seed uint64, epoch int) []int {
	r := rand.New(rand.NewPCG(seed, uint64(epoch)+0x9e3779b97f4a7c15))
	return r.Perm(n)
}

// vocabText is the text the tokenizer learns from: the training parts of
// all inputs, thinned to about limit bytes by keeping evenly spaced lines.
func vocabText(srcs []source, limit int) string {
	var all []string
	total := 0
	for _, s := range srcs {
		for _, l := range strings.Split(s.Train, "\n") {
			if l != "" {
				all = append(all, l)
				total += len(l) + 1
			}
		}
	}
	if total <= limit {
		return strings.Join(all, "\n")
	}
	keep := float64(limit) / float64(total)
	var b strings.Builder
	acc := 0.0
	for _, l := range all {
		acc += keep
		if acc >= 1 {
			acc--
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}
