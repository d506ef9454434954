package mix

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/tokenize"
)

// Source is one added corpus of a mix: a name ("ja") and the corpus file
// (.jsonl or .txt).
type Source struct {
	Name   string `json:"name"`
	Corpus string `json:"corpus"`
}

// OpenCounter opens model's token counter with open, or returns a nil
// counter when model is "". open nil (a build without the llama.cpp
// binding) gives ErrNoTokenCounter when a model is named. The returned
// func closes the counter.
func OpenCounter(open func(model string) (TokenCounter, io.Closer, error), model string) (TokenCounter, func(), error) {
	if model == "" {
		return nil, func() {}, nil
	}
	if open == nil {
		return nil, nil, ErrNoTokenCounter
	}
	tc, c, err := open(model)
	if err != nil {
		return nil, nil, err
	}
	return tc, func() { c.Close() }, nil
}

// OpenPools indexes each source's corpus; close them with the returned func.
func OpenPools(ctx context.Context, srcs []Source) ([]*Pool, func(), error) {
	var pools []*Pool
	closeAll := func() {
		for _, p := range pools {
			p.Close()
		}
	}
	for _, s := range srcs {
		p, err := OpenPool(ctx, s.Corpus)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		pools = append(pools, p)
	}
	return pools, closeAll, nil
}

// EvalOverlap is the 13-gram overlap between a mix and an eval file, both
// ways.
type EvalOverlap struct {
	Eval string `json:"eval"`
	// OfEval is the share of the eval file's 13-grams found in the mix
	// (how much of the eval set the calibration text has seen).
	OfEval *OverlapResult `json:"of_eval"`
	// OfMix is the share of the mix's 13-grams found in the eval file.
	OfMix *OverlapResult `json:"of_mix"`
}

// OverlapLimit is the overlap above which a mix draws a warning.
const OverlapLimit = 0.01

// NewSegmenter returns the kagome morpheme splitter for overlap checks.
func NewSegmenter() (Segmenter, error) {
	return tokenize.NewTokenizer(tokenize.WakatiOnly())
}

// CheckEvalOverlap measures the overlap of a mix's text with the eval file
// and warns on warn (nil: no warning) when either direction exceeds
// OverlapLimit.
func CheckEvalOverlap(ctx context.Context, text []byte, output, eval string, seg Segmenter, warn io.Writer) (*EvalOverlap, error) {
	f, err := os.Open(eval)
	if err != nil {
		return nil, fmt.Errorf("open eval file: %w", err)
	}
	defer f.Close()
	o := NGramOptions{N: 13, Segmenter: seg}
	ofEval, ofMix, err := OverlapBoth(ctx, f, bytes.NewReader(text), o)
	if err != nil {
		return nil, fmt.Errorf("eval file %s: %w", eval, err)
	}
	if warn != nil && (ofEval.Share > OverlapLimit || ofMix.Share > OverlapLimit) {
		fmt.Fprintf(warn, "calibkit: warning: %s and the eval file %s share 13-grams: %.2f%% of the eval file's and %.2f%% of the mix's (limit 1%%); build the mix with --exclude %s%s\n",
			output, eval, 100*ofEval.Share, 100*ofMix.Share, eval, manifest.Suffix)
	}
	return &EvalOverlap{Eval: eval, OfEval: ofEval, OfMix: ofMix}, nil
}

// HashInputs hashes each distinct input file once, for manifests.
func HashInputs(paths []string) ([]manifest.Input, error) {
	seen := map[string]bool{}
	var out []manifest.Input
	for _, p := range paths {
		if seen[p] {
			continue
		}
		seen[p] = true
		in, err := manifest.HashFile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// inputPaths lists the files a mix or sweep is made from, in the order
// their manifest records them: the base, each added corpus, the exclude
// lists and the eval set (when given).
func inputPaths(base string, srcs []Source, exclude []string, eval string) []string {
	paths := []string{base}
	for _, s := range srcs {
		paths = append(paths, s.Corpus)
	}
	paths = append(paths, exclude...)
	if eval != "" {
		paths = append(paths, eval)
	}
	return paths
}

// corpusSums returns the sha256 of each source's corpus from inputs
// (HashInputs of a list that holds every corpus).
func corpusSums(inputs []manifest.Input, srcs []Source) []string {
	sums := make([]string, len(srcs))
	for i, s := range srcs {
		for _, in := range inputs {
			if in.Path == s.Corpus {
				sums[i] = in.SHA256
			}
		}
	}
	return sums
}

// fillManifest records a mix's inputs, counts and shares.
func fillManifest(m *manifest.Manifest, inputs []manifest.Input, res *MixResult, ov *EvalOverlap) {
	m.Inputs = append(m.Inputs, inputs...)
	var b, c, tok int64
	for _, s := range res.Sources {
		b += s.Bytes
		c += s.Chars
		tok += s.Tokens
	}
	m.Counts["bytes"] = b
	m.Counts["chars"] = c
	if tok >= 0 && len(res.Sources) > 0 && res.Sources[0].Tokens >= 0 {
		m.Counts["tokens_by_line"] = tok
	}
	m.Counts["total_in_unit"] = res.Total
	m.Counts["blocks"] = res.Blocks
	m.Extra = map[string]any{
		"target":           res.Target,
		"sources":          res.Sources,
		"block_size":       res.BlockSize,
		"block_unit":       res.BlockUnit,
		"max_prefix_error": res.MaxPrefixError,
		"prefix_blocks":    res.PrefixBlocks,
	}
	if ov != nil {
		m.Extra["eval_overlap"] = ov
	}
	markChat(m, res.Sources)
}

// writeOutput writes data to path atomically, then its manifest; when the
// manifest cannot be written the output is removed again.
func writeOutput(path string, data []byte, m *manifest.Manifest) error {
	af, err := atomicfile.Create(path, atomicfile.RecordSHA256())
	if err != nil {
		return err
	}
	defer af.Abort()
	if _, err := af.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := af.Commit(); err != nil {
		return err
	}
	if err := m.Write(); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}

// PrintSources prints a mix's shares, one line per source.
func PrintSources(w io.Writer, output string, res *MixResult) {
	fmt.Fprintf(w, "%s: %d blocks of about %d %s, largest prefix deviation %.1f points\n",
		output, res.Blocks, res.BlockSize, res.BlockUnit, 100*res.MaxPrefixError)
	for _, s := range res.Sources {
		fmt.Fprintf(w, "  %-10s target %5.1f%%  bytes %9d (%5.1f%%)  chars %9d (%5.1f%%)", s.Name, 100*s.TargetShare, s.Bytes, 100*s.ShareBytes, s.Chars, 100*s.ShareChars)
		if s.Tokens >= 0 {
			fmt.Fprintf(w, "  tokens %9d (%5.1f%%)", s.Tokens, 100*s.ShareTokens)
		}
		fmt.Fprintln(w)
	}
}
