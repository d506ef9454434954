// Package sweepcmd implements `calibkit sweep`: calibration mixes at several
// shares of an added corpus, all of one total size.
package sweepcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/internal/atomicfile"
	mixcmd "github.com/calibkit/calibkit/internal/cmd/mix"
	"github.com/calibkit/calibkit/internal/cmdutil"
	"github.com/calibkit/calibkit/internal/iostreams"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/mix"
)

// ManifestName is the sweep manifest's file name inside the output folder.
const ManifestName = "sweep" + manifest.Suffix

// Options are the parsed flags of `calibkit sweep`.
type Options struct {
	IO *iostreams.IOStreams

	Base    string
	Add     mixcmd.Source
	Shares  []float64
	Total   int64
	Unit    mix.Unit
	Model   string
	Chunk   int
	Seed    uint64
	Nested  bool
	Exclude []string
	Eval    string
	Dir     string
	JSON    bool

	// Command is the command line, recorded in the manifests.
	Command []string
}

// NewCmdSweep returns the `sweep` command; runF replaces the real run in
// tests.
func NewCmdSweep(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	var add, total, unit string
	cmd := &cobra.Command{
		Use:   "sweep --base FILE --add NAME=CORPUS --shares 0,0.25,0.5,0.75,1 --total SIZE -o DIR",
		Short: "Build one mix per share of an added corpus, all of one total size",
		Long: `Build calibration mixes that differ only in the added corpus's share: for each
share S, DIR/share-S.txt (S as given, in %g form: share-0.25.txt) is what
` + "`calibkit mix --share NAME=S --total SIZE`" + ` would write, with its manifest. All
have the same total size, within 0.5%. DIR/sweep.manifest.json lists them.

With --nested, every mix draws from one sentence sequence, so each larger
share's added text is a superset of each smaller one's (what changes between
two mixes is only the text added). Without it, each share draws its own.

Files are written only when every mix has been built: a failure leaves no
partial sweep behind.`,
		Example: `  calibkit sweep --base calibration_datav3.txt --add ja=ja.jsonl \
      --shares 0,0.25,0.5,0.75,1 --total 1.5MB --nested --seed 1 \
      --exclude ja-wiki.test.raw.manifest.json -o sweep/`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Base == "" {
				return cmdutil.FlagErrorf("--base FILE is required")
			}
			if opts.Dir == "" {
				return cmdutil.FlagErrorf("-o/--output DIR is required")
			}
			if add == "" {
				return cmdutil.FlagErrorf("--add NAME=CORPUS is required")
			}
			var err error
			if opts.Add, err = mixcmd.ParseSource(add); err != nil {
				return err
			}
			if !cmd.Flags().Changed("shares") {
				return cmdutil.FlagErrorf("--shares is required, e.g. --shares 0,0.25,0.5,0.75,1")
			}
			if err := mix.CheckShares(opts.Shares); err != nil {
				return &cmdutil.FlagError{Err: fmt.Errorf("--shares: %w", err)}
			}
			if total == "" {
				return cmdutil.FlagErrorf("--total SIZE is required")
			}
			if opts.Total, err = mix.ParseSize(total); err != nil {
				return &cmdutil.FlagError{Err: fmt.Errorf("--total: %w", err)}
			}
			if opts.Chunk <= 0 {
				return cmdutil.FlagErrorf("--chunk-tokens must be positive")
			}
			if opts.Unit, err = mixcmd.ParseUnitModel(unit, opts.Model); err != nil {
				return err
			}
			opts.Command = os.Args
			if runF != nil {
				return runF(opts)
			}
			return sweepRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Base, "base", "", "base text, kept in order with whole lines (required)")
	f.StringVar(&add, "add", "", "NAME=CORPUS: the corpus (.jsonl or .txt) whose share varies (required)")
	f.Float64SliceVar(&opts.Shares, "shares", nil, "shares of the added corpus, each 0..1 (required)")
	f.StringVar(&total, "total", "", "total size of every mix (1290590, 1.5MB, 1.5MiB, 4k) (required)")
	mixcmd.AddCommonFlags(cmd, &unit, &opts.Model, &opts.Chunk, &opts.Seed, &opts.Exclude)
	f.BoolVar(&opts.Nested, "nested", false, "draw one sentence sequence so larger shares extend smaller ones")
	f.StringVar(&opts.Eval, "eval", "", "eval file to check each mix's 13-gram overlap against")
	f.StringVarP(&opts.Dir, "output", "o", "", "output folder (required)")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary on stdout")
	return cmd
}

// Entry is one mix of a sweep, as the sweep manifest lists it.
type Entry struct {
	Share          float64             `json:"share"`
	File           string              `json:"file"`
	Bytes          int64               `json:"bytes"`
	Total          int64               `json:"total"`
	MaxPrefixError float64             `json:"max_prefix_error"`
	Sources        []mix.SourceStats   `json:"sources"`
	Overlap        *mixcmd.EvalOverlap `json:"eval_overlap,omitempty"`

	manifest *manifest.Manifest
	file     *atomicfile.File
}

func sweepRun(ctx context.Context, opts *Options) (rerr error) {
	counter, closeCounter, err := mixcmd.OpenCounter(opts.Model)
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
	pools, closePools, err := mixcmd.OpenPools(ctx, []mixcmd.Source{opts.Add})
	if err != nil {
		return err
	}
	defer closePools()
	var seg mix.Segmenter
	if opts.Eval != "" {
		if seg, err = mixcmd.NewSegmenter(); err != nil {
			return err
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
		return fmt.Errorf("create output folder: %w", err)
	}
	paths := []string{opts.Base, opts.Add.Corpus}
	paths = append(paths, opts.Exclude...)
	if opts.Eval != "" {
		paths = append(paths, opts.Eval)
	}
	inputs, err := mixcmd.HashInputs(paths)
	if err != nil {
		return err
	}

	// Every mix goes to a temporary file first; all are renamed at the end.
	var entries []*Entry
	defer func() {
		for _, e := range entries {
			e.file.Abort()
		}
	}()
	so := mix.SweepOptions{
		Mix: mix.MixOptions{BaseName: opts.Base, Base: base, Total: opts.Total, Unit: opts.Unit, Counter: counter,
			ChunkTokens: opts.Chunk, Seed: opts.Seed, Exclude: exclude},
		Name: opts.Add.Name, Pool: pools[0], Shares: opts.Shares, Nested: opts.Nested,
	}
	err = mix.Sweep(ctx, so, func(share float64, name string, text []byte, res *mix.MixResult) error {
		path := filepath.Join(opts.Dir, name)
		e := &Entry{Share: share, File: name, Bytes: int64(len(text)), Total: res.Total, MaxPrefixError: res.MaxPrefixError, Sources: res.Sources}
		if opts.Eval != "" {
			if e.Overlap, err = mixcmd.CheckEvalOverlap(ctx, text, path, opts.Eval, seg, opts.IO.ErrOut); err != nil {
				return err
			}
		}
		e.manifest = manifest.New(path, opts.Command)
		mixcmd.FillManifest(e.manifest, inputs, res, e.Overlap)
		setParameters(e.manifest, opts)
		e.manifest.Parameters["share"] = map[string]float64{opts.Add.Name: share}
		f, err := atomicfile.Create(path)
		if err != nil {
			return err
		}
		e.file = f
		entries = append(entries, e)
		if _, err := f.Write(text); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if opts.IO.ShowProgress() {
			mixcmd.PrintSources(opts.IO.ErrOut, path, res)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := e.file.Commit(); err != nil {
			return err
		}
		if err := e.manifest.Write(); err != nil {
			return err
		}
	}
	sm := manifest.New(opts.Dir, opts.Command)
	sm.Inputs = append(sm.Inputs, inputs...)
	setParameters(sm, opts)
	sm.Parameters["shares"] = opts.Shares
	sm.Parameters["nested"] = opts.Nested
	sm.Counts["mixes"] = len(entries)
	sm.Extra = map[string]any{"mixes": entries}
	b, err := sm.Marshal()
	if err != nil {
		return err
	}
	if _, err := atomicfile.WriteFile(filepath.Join(opts.Dir, ManifestName), bytes.NewReader(b)); err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	return nil
}

func setParameters(m *manifest.Manifest, opts *Options) {
	m.Parameters["base"] = opts.Base
	m.Parameters["add"] = opts.Add
	m.Parameters["total"] = opts.Total
	m.Parameters["unit"] = opts.Unit.String()
	m.Parameters["model"] = opts.Model
	m.Parameters["chunk_tokens"] = opts.Chunk
	m.Parameters["seed"] = opts.Seed
	m.Parameters["nested"] = opts.Nested
	m.Parameters["exclude"] = opts.Exclude
	m.Parameters["eval"] = opts.Eval
}

// RunSweep runs `sweep` with options set by another command (the demo);
// Command may be left nil. Chunk defaults to 512.
func RunSweep(ctx context.Context, opts *Options) error {
	if opts.Chunk <= 0 {
		opts.Chunk = 512
	}
	return sweepRun(ctx, opts)
}
