package mix

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/manifest"
)

// SweepManifestName is the sweep manifest's file name inside the output
// folder.
const SweepManifestName = "sweep" + manifest.Suffix

// MakeSweepOptions describe a sweep folder: what `calibkit sweep` writes.
type MakeSweepOptions struct {
	Base string
	// Add is the corpus whose share varies over Shares.
	Add    Source
	Shares []float64
	// Fixed lists further corpora added to every mix at FixedShares[name]
	// of Total; the mixes list Add first, then these.
	Fixed       []Source
	FixedShares map[string]float64
	Total       int64
	Unit        Unit
	Counter     TokenCounter // nil: no token counts
	Model       string       // the counter's model, for the manifests
	Chunk       int          // 0: 512
	Seed        uint64
	Nested      bool
	Exclude     []string
	Eval        string
	Dir         string
	Command     []string
	// Warn receives overlap warnings (nil: dropped); Progress, when set,
	// receives each mix's shares as it is built.
	Warn     io.Writer
	Progress io.Writer
}

// SweepEntry is one mix of a sweep, as the sweep manifest lists it.
type SweepEntry struct {
	Share          float64       `json:"share"`
	File           string        `json:"file"`
	Bytes          int64         `json:"bytes"`
	Total          int64         `json:"total"`
	MaxPrefixError float64       `json:"max_prefix_error"`
	Sources        []SourceStats `json:"sources"`
	Overlap        *EvalOverlap  `json:"eval_overlap,omitempty"`

	manifest *manifest.Manifest
	file     *atomicfile.File
}

// MakeSweep builds one mix per share and writes them, with a manifest each
// and the folder's SweepManifestName, only when all have been built: a
// failure leaves no partial sweep (and removes a folder it created).
func MakeSweep(ctx context.Context, opts MakeSweepOptions) (_ []*SweepEntry, rerr error) {
	if opts.Chunk <= 0 {
		opts.Chunk = 512
	}
	for _, s := range opts.Fixed {
		if _, ok := opts.FixedShares[s.Name]; !ok {
			return nil, fmt.Errorf("fixed source %s has no share in FixedShares", s.Name)
		}
	}
	base, baseChat, err := ReadBase(ctx, opts.Base)
	if err != nil {
		return nil, err
	}
	lists, err := ReadExcludeLists(opts.Exclude...)
	if err != nil {
		return nil, err
	}
	srcs := append([]Source{opts.Add}, opts.Fixed...)
	pools, closePools, err := OpenPools(ctx, srcs)
	if err != nil {
		return nil, err
	}
	defer closePools()
	var seg Segmenter
	if opts.Eval != "" {
		if seg, err = NewSegmenter(); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(opts.Dir); os.IsNotExist(err) {
		// A folder this run creates is removed again if the run fails
		// (os.Remove leaves it if anything else was put in it).
		defer func() {
			if rerr != nil {
				os.Remove(opts.Dir)
			}
		}()
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output folder: %w", err)
	}
	inputs, err := HashInputs(inputPaths(opts.Base, srcs, opts.Exclude, opts.Eval))
	if err != nil {
		return nil, err
	}
	exclude := ExcludeFor(lists, corpusSums(inputs, srcs))

	// Every mix goes to a temporary file first; all are renamed at the end.
	var entries []*SweepEntry
	defer func() {
		for _, e := range entries {
			e.file.Abort()
		}
	}()
	so := SweepOptions{
		Mix: MixOptions{BaseName: opts.Base, Base: base, BaseChat: baseChat, Total: opts.Total, Unit: opts.Unit, Counter: opts.Counter,
			ChunkTokens: opts.Chunk, Seed: opts.Seed},
		Name: opts.Add.Name, Pool: pools[0], Exclude: exclude[0], Shares: opts.Shares, Nested: opts.Nested,
	}
	for i, s := range opts.Fixed {
		so.Fixed = append(so.Fixed, Add{Name: s.Name, Pool: pools[i+1], Share: opts.FixedShares[s.Name], Exclude: exclude[i+1]})
	}
	err = Sweep(ctx, so, func(share float64, name string, text []byte, res *MixResult) error {
		path := filepath.Join(opts.Dir, name)
		e := &SweepEntry{Share: share, File: name, Bytes: int64(len(text)), Total: res.Total, MaxPrefixError: res.MaxPrefixError, Sources: res.Sources}
		if opts.Eval != "" {
			if e.Overlap, err = CheckEvalOverlap(ctx, text, path, opts.Eval, seg, opts.Warn); err != nil {
				return err
			}
		}
		e.manifest = manifest.New(path, opts.Command)
		fillManifest(e.manifest, inputs, res, e.Overlap)
		setSweepParameters(e.manifest, &opts)
		shares := map[string]float64{opts.Add.Name: share}
		for _, s := range opts.Fixed {
			shares[s.Name] = opts.FixedShares[s.Name]
		}
		e.manifest.Parameters["share"] = shares
		f, err := atomicfile.Create(path, atomicfile.RecordSHA256())
		if err != nil {
			return err
		}
		e.file = f
		entries = append(entries, e)
		if _, err := f.Write(text); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if opts.Progress != nil {
			PrintSources(opts.Progress, path, res)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if err := e.file.Commit(); err != nil {
			return nil, err
		}
		if err := e.manifest.Write(); err != nil {
			return nil, err
		}
	}
	sm := manifest.New(opts.Dir, opts.Command)
	sm.Inputs = append(sm.Inputs, inputs...)
	setSweepParameters(sm, &opts)
	sm.Parameters["shares"] = opts.Shares
	sm.Parameters["nested"] = opts.Nested
	sm.Counts["mixes"] = len(entries)
	sm.Extra = map[string]any{"mixes": entries}
	b, err := sm.Marshal()
	if err != nil {
		return nil, err
	}
	if _, err := atomicfile.WriteFile(filepath.Join(opts.Dir, SweepManifestName), bytes.NewReader(b)); err != nil {
		return nil, err
	}
	return entries, nil
}

func setSweepParameters(m *manifest.Manifest, opts *MakeSweepOptions) {
	m.Parameters["base"] = opts.Base
	m.Parameters["add"] = opts.Add
	if len(opts.Fixed) > 0 {
		m.Parameters["fixed"] = opts.Fixed
		m.Parameters["fixed_shares"] = opts.FixedShares
	}
	m.Parameters["total"] = opts.Total
	m.Parameters["unit"] = opts.Unit.String()
	m.Parameters["model"] = opts.Model
	m.Parameters["chunk_tokens"] = opts.Chunk
	m.Parameters["seed"] = opts.Seed
	m.Parameters["nested"] = opts.Nested
	m.Parameters["exclude"] = opts.Exclude
	m.Parameters["eval"] = opts.Eval
}
