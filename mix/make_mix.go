package mix

import (
	"bytes"
	"context"
	"io"

	"github.com/calibkit/calibkit/internal/manifest"
)

// MakeMixOptions describe one mix file: what `calibkit mix` writes.
type MakeMixOptions struct {
	Base    string
	Adds    []Source
	Factors map[string]float64 // factor mode
	Shares  map[string]float64 // share mode, with Total
	Total   int64
	Unit    Unit
	// Counter counts model tokens (nil: none); Model names the model it
	// came from, for the manifest.
	Counter TokenCounter
	Model   string
	Chunk   int
	Seed    uint64
	// Exclude lists eval-set manifests whose articles are left out.
	Exclude []string
	// Eval, when set, is the eval file whose 13-gram overlap with the
	// output is measured (and warned about on Warn).
	Eval   string
	Output string
	// Command is the command line recorded in the manifest.
	Command []string
	// Warn receives warnings (nil: dropped).
	Warn io.Writer
}

// MakeMixResult is what MakeMix made.
type MakeMixResult struct {
	Output  string
	Mix     *MixResult
	Overlap *EvalOverlap
}

// MakeMix builds one mix and writes it atomically to opts.Output with its
// manifest.
func MakeMix(ctx context.Context, opts MakeMixOptions) (*MakeMixResult, error) {
	base, baseChat, err := ReadBase(ctx, opts.Base)
	if err != nil {
		return nil, err
	}
	lists, err := ReadExcludeLists(opts.Exclude...)
	if err != nil {
		return nil, err
	}
	pools, closePools, err := OpenPools(ctx, opts.Adds)
	if err != nil {
		return nil, err
	}
	defer closePools()
	hashed, err := HashInputs(inputPaths(opts.Base, opts.Adds, opts.Exclude, opts.Eval))
	if err != nil {
		return nil, err
	}
	exclude := ExcludeFor(lists, corpusSums(hashed, opts.Adds))
	mo := MixOptions{
		BaseName: opts.Base, Base: base, BaseChat: baseChat, Total: opts.Total, Unit: opts.Unit, Counter: opts.Counter,
		ChunkTokens: opts.Chunk, Seed: opts.Seed,
	}
	for i, s := range opts.Adds {
		mo.Adds = append(mo.Adds, Add{Name: s.Name, Pool: pools[i], Factor: opts.Factors[s.Name], Share: opts.Shares[s.Name], Stream: uint64(i), Exclude: exclude[i]})
	}
	var buf bytes.Buffer
	res, err := Mix(ctx, &buf, mo)
	if err != nil {
		return nil, err
	}
	var ov *EvalOverlap
	if opts.Eval != "" {
		seg, err := NewSegmenter()
		if err != nil {
			return nil, err
		}
		if ov, err = CheckEvalOverlap(ctx, buf.Bytes(), opts.Output, opts.Eval, seg, opts.Warn); err != nil {
			return nil, err
		}
	}
	m := manifest.New(opts.Output, opts.Command)
	fillManifest(m, hashed, res, ov)
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
	if err := writeOutput(opts.Output, buf.Bytes(), m); err != nil {
		return nil, err
	}
	return &MakeMixResult{Output: opts.Output, Mix: res, Overlap: ov}, nil
}
