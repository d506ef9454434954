// Package wikitextcmd implements `calibkit wikitext raw`: rebuild
// wikitext's raw files (wiki.test.raw) from the Hub's parquet rows.
package wikitextcmd

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/datasets"
	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/manifest"
)

// NewCmdWikitext returns the `wikitext` command group.
func NewCmdWikitext(io *iostreams.IOStreams, runF func(*RawOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "wikitext <command>",
		Short: "Rebuild the wikitext benchmark texts llama.cpp scores on (wiki.test.raw)",
	}
	cmd.AddCommand(NewCmdRaw(io, runF))
	return cmd
}

// RawOptions holds the parsed flags of `calibkit wikitext raw`.
type RawOptions struct {
	IO *iostreams.IOStreams
	// HubConfig returns the Hub settings; nil reads the environment.
	HubConfig func() (datasets.Config, error)
	// Command is recorded in the manifest (os.Args by default).
	Command []string

	Config   string
	Split    string
	Revision string
	From     []string
	Output   string
}

// NewCmdRaw returns `wikitext raw`. runF replaces the run in tests.
func NewCmdRaw(io *iostreams.IOStreams, runF func(*RawOptions) error) *cobra.Command {
	opts := &RawOptions{IO: io}
	cmd := &cobra.Command{
		Use:   "raw [-o wiki.test.raw]",
		Short: "Rebuild wikitext's raw file (wiki.test.raw) from the Hub's parquet rows",
		Long: `Rebuild a wikitext raw file byte for byte from Salesforce/wikitext's parquet
rows: each non-empty row is written exactly as stored (it already ends in a
newline) and each empty row as the blank line " \n" it stood for. For
wikitext-2-raw-v1's test split this is the wiki.test.raw that llama.cpp's
scripts/get-wikitext-2.sh downloads: 4,358 lines, 1,290,590 bytes.

The parquet files are fetched through the Hugging Face cache (see
'calibkit fetch') unless --from names them. The output goes to -o (with a
<file>.manifest.json beside it) or to stdout.`,
		Example: `  calibkit wikitext raw -o wiki.test.raw
  calibkit wikitext raw --config wikitext-103-raw-v1 -o wiki103.test.raw
  calibkit wikitext raw --from test-00000-of-00001.parquet -o wiki.test.raw`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(opts.From) > 0 && (cmd.Flags().Changed("config") || cmd.Flags().Changed("split") || cmd.Flags().Changed("revision")) {
				return cmdutil.FlagErrorf("--from reads the given files: --config, --split and --revision do not apply")
			}
			if opts.Config == "" || opts.Split == "" {
				return cmdutil.FlagErrorf("--config and --split must not be empty")
			}
			if opts.Command == nil {
				opts.Command = os.Args
			}
			if runF != nil {
				return runF(opts)
			}
			return rawRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Config, "config", "wikitext-2-raw-v1", "wikitext config: wikitext-2-raw-v1 or wikitext-103-raw-v1")
	f.StringVar(&opts.Split, "split", "test", "split: test, validation or train")
	f.StringVar(&opts.Revision, "revision", "", "dataset revision (default main)")
	f.StringArrayVar(&opts.From, "from", nil, "read this parquet file instead of fetching; repeatable, read in order")
	f.StringVarP(&opts.Output, "output", "o", "", "output file (default stdout)")
	return cmd
}

func rawRun(ctx context.Context, opts *RawOptions) error {
	inputs := opts.From
	var dataset *datasets.File
	if len(inputs) == 0 {
		files, err := fetchSplit(ctx, opts)
		if err != nil {
			return err
		}
		for _, f := range files {
			inputs = append(inputs, f.LocalPath)
		}
		dataset = &files[0]
	}
	var w io.Writer = opts.IO.Out
	var out *atomicfile.File
	toFile := opts.Output != "" && opts.Output != "-"
	if toFile {
		var err error
		out, err = atomicfile.Create(opts.Output, atomicfile.RecordSHA256())
		if err != nil {
			return err
		}
		defer out.Abort()
		w = out
	}
	var total datasets.WikitextStats
	for _, in := range inputs {
		st, err := convert(w, in)
		total.Rows += st.Rows
		total.EmptyRows += st.EmptyRows
		total.Bytes += st.Bytes
		if err != nil {
			return err
		}
	}
	if !toFile {
		return nil
	}
	if err := out.Commit(); err != nil {
		return err
	}
	m := manifest.New(opts.Output, opts.Command)
	for _, in := range inputs {
		if err := m.AddInput(in); err != nil {
			return err
		}
	}
	if len(opts.From) == 0 {
		m.Parameters["repo"] = datasets.WikitextRepo
		m.Parameters["config"] = opts.Config
		m.Parameters["split"] = opts.Split
		m.Parameters["revision"] = dataset.Revision
		m.Extra = map[string]any{"dataset_commit": dataset.Commit}
	}
	m.Parameters["empty_row"] = " \\n"
	m.Counts["rows"] = total.Rows
	m.Counts["lines"] = total.Rows
	m.Counts["empty_rows"] = total.EmptyRows
	m.Counts["bytes"] = total.Bytes
	if err := m.Write(); err != nil {
		return err
	}
	if opts.IO.ShowProgress() {
		fmt.Fprintf(opts.IO.ErrOut, "%s: %d lines, %d bytes\n", opts.Output, total.Rows, total.Bytes)
	}
	return nil
}

func fetchSplit(ctx context.Context, opts *RawOptions) ([]datasets.File, error) {
	getCfg := opts.HubConfig
	if getCfg == nil {
		getCfg = datasets.ConfigFromEnv
	}
	cfg, err := getCfg()
	if err != nil {
		return nil, err
	}
	var copts []datasets.Option
	var bars *datasets.ProgressBars
	if opts.IO.ShowProgress() {
		bars = datasets.NewProgressBars(opts.IO.ErrOut)
		copts = append(copts, datasets.WithProgress(bars))
	}
	c, err := datasets.NewClient(cfg, copts...)
	if err != nil {
		return nil, err
	}
	files, err := c.Fetch(ctx, datasets.Request{Repo: datasets.WikitextRepo, Config: opts.Config, Split: opts.Split, Revision: opts.Revision, Jobs: 2})
	if bars != nil {
		bars.Wait()
	}
	return files, err
}

func convert(w io.Writer, path string) (datasets.WikitextStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return datasets.WikitextStats{}, fmt.Errorf("read wikitext parquet: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return datasets.WikitextStats{}, fmt.Errorf("read wikitext parquet: %w", err)
	}
	return datasets.WriteWikitextRaw(w, f, fi.Size(), path)
}
