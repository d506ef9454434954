// Package mixcmd implements `calibkit mix`: a calibration mix of a base text
// and corpus sentences at a controlled share.
package mixcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/cmdutil"
	"github.com/calibkit/calibkit/internal/iostreams"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/mix"
	"github.com/calibkit/calibkit/mix/llamacount"
	"github.com/calibkit/calibkit/tokenize"
)

// OpenTokenCounter loads a model's vocabulary for token counts; tests
// replace it, and a build without the llama.cpp binding sets it to nil.
var OpenTokenCounter func(modelPath string) (mix.TokenCounter, io.Closer, error) = llamacount.OpenCounter

// Source is one --add NAME=CORPUS.
type Source struct {
	Name   string `json:"name"`
	Corpus string `json:"corpus"`
}

// Options are the parsed flags of `calibkit mix`.
type Options struct {
	IO *iostreams.IOStreams

	Base    string
	Adds    []Source
	Factors map[string]float64 // factor mode
	Shares  map[string]float64 // share mode, with Total
	Total   int64
	Unit    mix.Unit
	Model   string
	Chunk   int
	Seed    uint64
	Exclude []string
	Eval    string // warn when the output overlaps this file
	Output  string
	JSON    bool

	// Command is the command line, recorded in the manifest.
	Command []string
}

// NewCmdMix returns the `mix` command; runF replaces the real run in tests.
func NewCmdMix(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	var (
		adds, factors, shares []string
		total, unit           string
	)
	cmd := &cobra.Command{
		Use:   "mix --base FILE --add NAME=CORPUS... (--factor NAME=F | --share NAME=S --total SIZE) -o OUT",
		Short: "Interleave a base text with corpus sentences at a controlled share",
		Long: `Mix a base calibration text (e.g. calibration_datav3.txt) with sentences
drawn from one or more corpora.

  --factor ja=4            the whole base plus four times its size of ja text
                           (the recipe of calibration_datav3_plus_jpn_v1.txt)
  --share ja=0.8 --total 1.5MB
                           1.5 MB in all, 80% ja; the base gives the rest,
                           from its first line on

Sizes and shares are in --unit: bytes (default), chars, or tokens (needs -m).
The output interleaves the sources in blocks about one imatrix chunk long
(--chunk-tokens, 512; blocks are measured in model tokens with -m, else
estimated at 4 bytes a token), so that any prefix spanning at least ten
blocks, as when imatrix --chunks stops early, holds each share to within five
points. The base keeps its order and its lines are never broken; added text
is whole sentences, one per line.

--exclude MANIFEST leaves out every article an eval set used. --eval FILE
warns when 13-grams of the output and FILE overlap by more than 1%. The
manifest reports the share each source reached in bytes, characters and,
with -m, tokens. Same inputs and --seed give a byte-identical file.`,
		Example: `  calibkit mix --base calibration_datav3.txt --add ja=ja.jsonl --factor ja=4 -o plus_jpn.txt
  calibkit mix --base calibration_datav3.txt --add ja=ja.jsonl --share ja=0.5 --total 1.5MB \
      --exclude ja-wiki.test.raw.manifest.json --eval ja-wiki.test.raw -o mix-50.txt`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := parseMixFlags(opts, adds, factors, shares, total, unit); err != nil {
				return err
			}
			opts.Command = os.Args
			if runF != nil {
				return runF(opts)
			}
			return mixRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Base, "base", "", "base text, kept in order with whole lines (required)")
	f.StringArrayVar(&adds, "add", nil, "NAME=CORPUS: a corpus (.jsonl or .txt) to mix in (repeatable)")
	f.StringArrayVar(&factors, "factor", nil, "NAME=F: F times the base's size of NAME (repeatable)")
	f.StringArrayVar(&shares, "share", nil, "NAME=S: share S (0..1) of --total for NAME (repeatable)")
	f.StringVar(&total, "total", "", "total size with --share (1290590, 1.5MB, 1.5MiB, 4k)")
	AddCommonFlags(cmd, &unit, &opts.Model, &opts.Chunk, &opts.Seed, &opts.Exclude)
	f.StringVar(&opts.Eval, "eval", "", "eval file to check the output's 13-gram overlap against")
	f.StringVarP(&opts.Output, "output", "o", "", "output file (required)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary on stdout")
	return cmd
}

// AddCommonFlags adds the flags mix and sweep share.
func AddCommonFlags(cmd *cobra.Command, unit, model *string, chunk *int, seed *uint64, exclude *[]string) {
	f := cmd.Flags()
	f.StringVar(unit, "unit", "bytes", "unit of sizes and shares: bytes, chars or tokens (tokens need -m)")
	f.StringVarP(model, "model", "m", "", "GGUF model whose tokenizer counts tokens (vocabulary only is loaded)")
	f.IntVar(chunk, "chunk-tokens", 512, "imatrix chunk length the blocks are sized to, in tokens")
	f.Uint64Var(seed, "seed", 1, "seed of the sentence draw")
	f.StringArrayVar(exclude, "exclude", nil, "manifest of an eval set whose articles to leave out (repeatable)")
}

// ParseUnitModel checks --unit against -m.
func ParseUnitModel(unit, model string) (mix.Unit, error) {
	u, err := mix.ParseUnit(unit)
	if err != nil {
		return 0, &cmdutil.FlagError{Err: fmt.Errorf("--unit: %w", err)}
	}
	if u == mix.Tokens && model == "" {
		return 0, cmdutil.FlagErrorf("--unit tokens needs the model: add -m MODEL.gguf")
	}
	return u, nil
}

// ParseSource parses NAME=CORPUS.
func ParseSource(s string) (Source, error) {
	name, corpus, ok := strings.Cut(s, "=")
	if !ok || name == "" || corpus == "" {
		return Source{}, cmdutil.FlagErrorf("--add %q: want NAME=CORPUS, e.g. ja=ja.jsonl", s)
	}
	return Source{Name: name, Corpus: corpus}, nil
}

func parseNamedFloats(flag string, vals []string, names map[string]bool) (map[string]float64, error) {
	out := map[string]float64{}
	for _, v := range vals {
		name, num, ok := strings.Cut(v, "=")
		if !ok {
			return nil, cmdutil.FlagErrorf("--%s %q: want NAME=NUMBER, e.g. ja=0.5", flag, v)
		}
		if !names[name] {
			return nil, cmdutil.FlagErrorf("--%s %q: no --add %s=CORPUS names that source", flag, v, name)
		}
		if _, dup := out[name]; dup {
			return nil, cmdutil.FlagErrorf("--%s for %s is given twice", flag, name)
		}
		x, err := strconv.ParseFloat(num, 64)
		if err != nil || x < 0 {
			return nil, cmdutil.FlagErrorf("--%s %q: %q is not a number of at least 0", flag, v, num)
		}
		out[name] = x
	}
	return out, nil
}

func parseMixFlags(opts *Options, adds, factors, shares []string, total, unit string) error {
	if opts.Base == "" {
		return cmdutil.FlagErrorf("--base FILE is required")
	}
	if opts.Output == "" {
		return cmdutil.FlagErrorf("-o/--output is required")
	}
	if len(adds) == 0 {
		return cmdutil.FlagErrorf("give at least one --add NAME=CORPUS")
	}
	names := map[string]bool{}
	for _, a := range adds {
		s, err := ParseSource(a)
		if err != nil {
			return err
		}
		if names[s.Name] || s.Name == "base" {
			return cmdutil.FlagErrorf("source name %q is used twice (\"base\" names the base)", s.Name)
		}
		names[s.Name] = true
		opts.Adds = append(opts.Adds, s)
	}
	var err error
	switch {
	case len(factors) > 0 && len(shares) > 0:
		return cmdutil.FlagErrorf("--factor and --share exclude each other")
	case len(factors) > 0:
		if total != "" {
			return cmdutil.FlagErrorf("--total goes with --share; --factor sizes the mix from the base")
		}
		if opts.Factors, err = parseNamedFloats("factor", factors, names); err != nil {
			return err
		}
	case len(shares) > 0:
		if total == "" {
			return cmdutil.FlagErrorf("--share needs --total SIZE")
		}
		if opts.Shares, err = parseNamedFloats("share", shares, names); err != nil {
			return err
		}
		sum := 0.0
		for _, s := range opts.Shares {
			if s > 1 {
				return cmdutil.FlagErrorf("a share is at most 1, got %g", s)
			}
			sum += s
		}
		if sum > 1+1e-9 {
			return cmdutil.FlagErrorf("shares sum to %g, above 1", sum)
		}
		if opts.Total, err = mix.ParseSize(total); err != nil {
			return &cmdutil.FlagError{Err: fmt.Errorf("--total: %w", err)}
		}
	default:
		return cmdutil.FlagErrorf("give --factor NAME=F, or --share NAME=S with --total SIZE")
	}
	for _, s := range opts.Adds {
		_, f := opts.Factors[s.Name]
		_, sh := opts.Shares[s.Name]
		if !f && !sh {
			return cmdutil.FlagErrorf("source %s has no --factor or --share", s.Name)
		}
	}
	if opts.Chunk <= 0 {
		return cmdutil.FlagErrorf("--chunk-tokens must be positive")
	}
	opts.Unit, err = ParseUnitModel(unit, opts.Model)
	return err
}

// OpenCounter opens the token counter for -m, or returns nil without -m.
func OpenCounter(model string) (mix.TokenCounter, func(), error) {
	if model == "" {
		return nil, func() {}, nil
	}
	if OpenTokenCounter == nil {
		return nil, nil, mix.ErrNoTokenCounter
	}
	tc, c, err := OpenTokenCounter(model)
	if err != nil {
		return nil, nil, err
	}
	return tc, func() { c.Close() }, nil
}

// OpenPools indexes each source's corpus; close them with the returned func.
func OpenPools(ctx context.Context, srcs []Source) ([]*mix.Pool, func(), error) {
	var pools []*mix.Pool
	closeAll := func() {
		for _, p := range pools {
			p.Close()
		}
	}
	for _, s := range srcs {
		p, err := mix.OpenPool(ctx, s.Corpus)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		pools = append(pools, p)
	}
	return pools, closeAll, nil
}

// Summary is what --json prints.
type Summary struct {
	Output         string            `json:"output"`
	Unit           string            `json:"unit"`
	Total          int64             `json:"total"`
	Target         int64             `json:"target"`
	Blocks         int               `json:"blocks"`
	MaxPrefixError float64           `json:"max_prefix_error"`
	Sources        []mix.SourceStats `json:"sources"`
	Overlap        *EvalOverlap      `json:"eval_overlap,omitempty"`
}

// EvalOverlap is the 13-gram overlap between a mix and an eval file, both
// ways.
type EvalOverlap struct {
	Eval string `json:"eval"`
	// OfEval is the share of the eval file's 13-grams found in the mix
	// (how much of the eval set the calibration text has seen).
	OfEval *mix.OverlapResult `json:"of_eval"`
	// OfMix is the share of the mix's 13-grams found in the eval file.
	OfMix *mix.OverlapResult `json:"of_mix"`
}

// OverlapLimit is the overlap above which a mix draws a warning.
const OverlapLimit = 0.01

// NewSegmenter returns the kagome morpheme splitter for overlap checks.
func NewSegmenter() (mix.Segmenter, error) {
	return tokenize.NewTokenizer(tokenize.WakatiOnly())
}

// CheckEvalOverlap measures the overlap of a mix's text with the eval file
// and warns on errOut when either direction exceeds OverlapLimit.
func CheckEvalOverlap(ctx context.Context, text []byte, output, eval string, seg mix.Segmenter, errOut io.Writer) (*EvalOverlap, error) {
	f, err := os.Open(eval)
	if err != nil {
		return nil, fmt.Errorf("open eval file: %w", err)
	}
	defer f.Close()
	o := mix.NGramOptions{N: 13, Segmenter: seg}
	ofEval, ofMix, err := mix.OverlapBoth(ctx, f, bytes.NewReader(text), o)
	if err != nil {
		return nil, fmt.Errorf("eval file %s: %w", eval, err)
	}
	if ofEval.Share > OverlapLimit || ofMix.Share > OverlapLimit {
		fmt.Fprintf(errOut, "calibkit: warning: %s and the eval file %s share 13-grams: %.2f%% of the eval file's and %.2f%% of the mix's (limit 1%%); build the mix with --exclude %s%s\n",
			output, eval, 100*ofEval.Share, 100*ofMix.Share, eval, manifest.Suffix)
	}
	return &EvalOverlap{Eval: eval, OfEval: ofEval, OfMix: ofMix}, nil
}

func mixRun(ctx context.Context, opts *Options) error {
	counter, closeCounter, err := OpenCounter(opts.Model)
	if err != nil {
		return err
	}
	defer closeCounter()
	base, err := mix.ReadLines(opts.Base)
	if err != nil {
		return err
	}
	exclude, err := mix.ReadExclude(opts.Exclude...)
	if err != nil {
		return err
	}
	pools, closePools, err := OpenPools(ctx, opts.Adds)
	if err != nil {
		return err
	}
	defer closePools()
	mo := mix.MixOptions{
		BaseName: opts.Base, Base: base, Total: opts.Total, Unit: opts.Unit, Counter: counter,
		ChunkTokens: opts.Chunk, Seed: opts.Seed, Exclude: exclude,
	}
	for i, s := range opts.Adds {
		mo.Adds = append(mo.Adds, mix.Add{Name: s.Name, Pool: pools[i], Factor: opts.Factors[s.Name], Share: opts.Shares[s.Name], Stream: uint64(i)})
	}
	var buf bytes.Buffer
	res, err := mix.Mix(ctx, &buf, mo)
	if err != nil {
		return err
	}
	var ov *EvalOverlap
	if opts.Eval != "" {
		seg, err := NewSegmenter()
		if err != nil {
			return err
		}
		if ov, err = CheckEvalOverlap(ctx, buf.Bytes(), opts.Output, opts.Eval, seg, opts.IO.ErrOut); err != nil {
			return err
		}
	}
	m := manifest.New(opts.Output, opts.Command)
	inputs := []string{opts.Base}
	for _, s := range opts.Adds {
		inputs = append(inputs, s.Corpus)
	}
	inputs = append(inputs, opts.Exclude...)
	if opts.Eval != "" {
		inputs = append(inputs, opts.Eval)
	}
	hashed, err := HashInputs(inputs)
	if err != nil {
		return err
	}
	FillManifest(m, hashed, res, ov)
	m.Parameters["base"] = opts.Base
	m.Parameters["add"] = opts.Adds
	if opts.Factors != nil {
		m.Parameters["factor"] = opts.Factors
	}
	if opts.Shares != nil {
		m.Parameters["share"] = opts.Shares
		m.Parameters["total"] = opts.Total
	}
	m.Parameters["unit"] = opts.Unit.String()
	m.Parameters["model"] = opts.Model
	m.Parameters["chunk_tokens"] = opts.Chunk
	m.Parameters["seed"] = opts.Seed
	m.Parameters["exclude"] = opts.Exclude
	m.Parameters["eval"] = opts.Eval
	if err := WriteOutput(opts.Output, buf.Bytes(), m); err != nil {
		return err
	}
	sum := Summary{Output: opts.Output, Unit: opts.Unit.String(), Total: res.Total, Target: res.Target, Blocks: res.Blocks,
		MaxPrefixError: res.MaxPrefixError, Sources: res.Sources, Overlap: ov}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	if opts.IO.ShowProgress() {
		PrintSources(opts.IO.ErrOut, opts.Output, res)
	}
	return nil
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

// FillManifest records a mix's inputs, counts and shares.
func FillManifest(m *manifest.Manifest, inputs []manifest.Input, res *mix.MixResult, ov *EvalOverlap) {
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
	}
	if ov != nil {
		m.Extra["eval_overlap"] = ov
	}
}

// WriteOutput writes data to path atomically, then its manifest; when the
// manifest cannot be written the output is removed again.
func WriteOutput(path string, data []byte, m *manifest.Manifest) error {
	af, err := atomicfile.Create(path)
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
func PrintSources(w io.Writer, output string, res *mix.MixResult) {
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
