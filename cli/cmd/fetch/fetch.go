// Package fetchcmd implements `calibkit fetch`: download a dataset's
// parquet files from the Hugging Face Hub into huggingface_hub's cache.
package fetchcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/datasets"
	"github.com/calibkit/calibkit/langs"
)

// Options holds the parsed flags of `calibkit fetch`.
type Options struct {
	IO *iostreams.IOStreams
	// HubConfig returns the Hub settings; nil reads the environment.
	HubConfig func() (datasets.Config, error)

	Request datasets.Request
	Preset  string
	JSON    bool
}

// NewCmdFetch returns the fetch command. runF replaces the run in tests.
func NewCmdFetch(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	var shards string
	var include []string
	var presetNames []string
	for _, p := range datasets.Presets() {
		presetNames = append(presetNames, fmt.Sprintf("  %-13s %s", p.Name, p.Description))
	}
	cmd := &cobra.Command{
		Use:   "fetch {OWNER/NAME | PRESET}",
		Short: "Download a dataset's parquet files from the Hugging Face Hub into its cache",
		Long: `Download the parquet files of a Hugging Face dataset into huggingface_hub's
cache ($HF_HUB_CACHE, default ~/.cache/huggingface/hub) and print their local
paths, one per line. Files already in the cache, fetched by calibkit or by
huggingface_hub, are not fetched again; interrupted downloads resume.

Files are chosen by --include globs, or by --config (the folder of the config's
files) and --split. When the revision holds no parquet file for the config,
the Hub's converted copy (branch refs/convert/parquet) is used.

Presets:
` + strings.Join(presetNames, "\n") + `

Environment: HF_ENDPOINT, HF_TOKEN (else $HF_HOME/token), HF_HOME, HF_HUB_CACHE,
HF_HUB_OFFLINE=1 (cache only).`,
		Example: `  calibkit fetch wikipedia-ja --jobs 4
  calibkit fetch wikitext-2
  calibkit fetch Salesforce/wikitext --config wikitext-103-raw-v1 --split test
  calibkit fetch wikimedia/wikipedia --include '20231101.ja/train-0000[0-2]-*.parquet' --json`,
		Args: cmdutil.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := datasets.Request{Repo: args[0]}
			if p, ok := datasets.LookupPreset(args[0]); ok {
				opts.Preset = p.Name
				req = p.Request
				if cmd.Flags().Changed("config") || cmd.Flags().Changed("split") {
					req.Include = nil // the preset's glob spells out its config and split
				}
			} else if code, wiki := strings.CutPrefix(args[0], datasets.WikipediaPrefix); wiki {
				_, err := langs.Lookup(code)
				return cmdutil.FlagErrorf("%s: %v", args[0], err)
			} else if err := datasets.ValidateRepoID(args[0]); err != nil {
				return cmdutil.FlagErrorf("%v, or a preset (%s)", err, presetList())
			}
			f := cmd.Flags()
			if f.Changed("config") {
				req.Config = opts.Request.Config
			}
			if f.Changed("split") {
				req.Split = opts.Request.Split
			}
			req.Revision = opts.Request.Revision
			if len(include) > 0 {
				req.Include = include
			}
			for _, g := range req.Include {
				if err := datasets.ValidateGlob(g); err != nil {
					return cmdutil.FlagErrorf("--include %q: %v", g, err)
				}
			}
			if shards != "" {
				s, err := datasets.ParseShards(shards)
				if err != nil {
					return cmdutil.FlagErrorf("--shards: %v", err)
				}
				req.Shards = s
			}
			if opts.Request.Jobs < 1 {
				return cmdutil.FlagErrorf("--jobs %d: want at least 1", opts.Request.Jobs)
			}
			req.Jobs = opts.Request.Jobs
			opts.Request = req
			if runF != nil {
				return runF(opts)
			}
			return fetchRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Request.Config, "config", "", "dataset config (subset), e.g. 20231101.ja")
	fl.StringVar(&opts.Request.Split, "split", "", "split to fetch, e.g. train or test")
	fl.StringVar(&opts.Request.Revision, "revision", "", "branch, tag or commit (default main)")
	fl.StringArrayVar(&include, "include", nil, "fetch files matching this glob ('*' within a folder, '**' across); repeatable")
	fl.StringVar(&shards, "shards", "", "keep these positions of the sorted selection, e.g. 0,2,5-7")
	fl.IntVarP(&opts.Request.Jobs, "jobs", "j", 4, "parallel downloads")
	fl.BoolVar(&opts.JSON, "json", false, "print a JSON summary instead of paths")
	return cmd
}

func presetList() string {
	var names []string
	for _, p := range datasets.Presets() {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// Result is the --json summary.
type Result struct {
	Repo      string          `json:"repo"`
	Preset    string          `json:"preset,omitempty"`
	Converted bool            `json:"converted"`
	Files     []datasets.File `json:"files"`
	Bytes     int64           `json:"bytes"`
	Fetched   int             `json:"fetched"`
	Cached    int             `json:"cached"`
}

func fetchRun(ctx context.Context, opts *Options) error {
	getCfg := opts.HubConfig
	if getCfg == nil {
		getCfg = datasets.ConfigFromEnv
	}
	cfg, err := getCfg()
	if err != nil {
		return err
	}
	var clientOpts []datasets.Option
	var bars *datasets.ProgressBars
	if opts.IO.ShowProgress() {
		bars = datasets.NewProgressBars(opts.IO.ErrOut)
		clientOpts = append(clientOpts, datasets.WithProgress(bars))
	}
	c, err := datasets.NewClient(cfg, clientOpts...)
	if err != nil {
		return err
	}
	plan, err := c.Resolve(ctx, opts.Request)
	if err == nil {
		var files []datasets.File
		files, err = c.DownloadAll(ctx, plan.Repo, plan.Files, opts.Request.Jobs)
		if bars != nil {
			bars.Wait()
			bars = nil
		}
		if err == nil {
			return report(opts, plan, files)
		}
	}
	if bars != nil {
		bars.Wait()
	}
	return err
}

func report(opts *Options, plan datasets.Plan, files []datasets.File) error {
	res := Result{Repo: plan.Repo, Preset: opts.Preset, Converted: plan.Converted, Files: files}
	for _, f := range files {
		res.Bytes += f.Size
		if f.Downloaded {
			res.Fetched++
		} else {
			res.Cached++
		}
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	for _, f := range files {
		if _, err := fmt.Fprintln(opts.IO.Out, f.LocalPath); err != nil {
			return err
		}
	}
	if opts.IO.ShowProgress() {
		fmt.Fprintf(opts.IO.ErrOut, "%s: %d files, %.1f MiB (%d fetched, %d already cached)\n",
			res.Repo, len(files), float64(res.Bytes)/(1<<20), res.Fetched, res.Cached)
	}
	return nil
}
