// Package uploadcmd implements `calibkit upload`: publish files to a
// Hugging Face Hub repository through the Hub's own HTTP API.
package uploadcmd

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/datasets"
)

// Options are the parsed flags of `calibkit upload`.
type Options struct {
	IO *iostreams.IOStreams
	// HubConfig returns the Hub settings; nil reads the environment.
	HubConfig func() (datasets.Config, error)

	Request datasets.UploadRequest
	Paths   []string
	JSON    bool
	Rehash  bool
}

// NewCmdUpload returns the upload command; runF replaces the run in tests.
func NewCmdUpload(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "upload OWNER/NAME PATH... [--repo-type model|dataset] [--create]",
		Short: "Upload files to a Hugging Face Hub repository in one commit",
		Long: `Upload files to a Hugging Face Hub repository, through the Hub's own HTTP API
as huggingface_hub does it: create the repository (--create; one that exists
is fine), ask the Hub which files go through LFS (preupload), ask the LFS
batch API which of those it lacks and send only those (one PUT, or parts and
a completion when the Hub asks for multipart), then make one commit with
every file. A file given as PATH goes to the repository root under its
name; a folder's files go under their paths in it (.git/ and
.cache/huggingface/ left out; a link that leads out of the folder is an
error).

Running it again after an interruption sends nothing the Hub already has:
LFS files that arrived before are not sent again, and files the branch
already holds unchanged are left out of the commit (with none changed,
no commit is made). A dropped connection or a 5xx is retried with backoff,
resending only the part that failed. Files are hashed one after the
other while those before them are sent. The sha256 of each file is kept
in calibkit's hash cache ($CALIBKIT_HASH_CACHE, else
~/.cache/calibkit/file-hashes), keyed by path, device, inode, size and
modification and change times, so an unchanged file is not read twice;
files calibkit wrote (export dataset, corpus build, quantize...) are
recorded there as they are written and not read at all (--rehash reads
every file anyway).

Environment: HF_ENDPOINT, HF_TOKEN (else $HF_HOME/token), as calibkit
fetch uses them. The token is never printed.`,
		Example: `  calibkit export dataset calib-plus-ja.txt --license cc-by-sa-4.0 -o calib-ds
  calibkit upload me/calib-plus-ja calib-ds --repo-type dataset --create
  calibkit upload me/model-imatrix-GGUF README.md model-Q4_K_M.gguf share-0.5.imatrix.gguf --create -m "Q4_K_M with the 50% Japanese imatrix"`,
		Args: cmdutil.Args(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := datasets.ValidateUploadRepoID(args[0]); err != nil {
				return cmdutil.FlagErrorf("%v", err)
			}
			switch opts.Request.RepoType {
			case "model", "dataset":
			default:
				return cmdutil.FlagErrorf("--repo-type %q: want model or dataset", opts.Request.RepoType)
			}
			if opts.Request.Revision == "" {
				return cmdutil.FlagErrorf("--revision: want a branch name")
			}
			if opts.Request.Private && !opts.Request.Create {
				return cmdutil.FlagErrorf("--private goes with --create")
			}
			if opts.Request.Jobs < 1 {
				return cmdutil.FlagErrorf("--jobs %d: want at least 1", opts.Request.Jobs)
			}
			opts.Request.Repo = args[0]
			opts.Paths = args[1:]
			if runF != nil {
				return runF(opts)
			}
			return uploadRun(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Request.RepoType, "repo-type", "model", "repository type: model or dataset")
	f.StringVar(&opts.Request.Revision, "revision", "main", "branch to commit to")
	f.BoolVar(&opts.Request.Create, "create", false, "create the repository first (an existing one is fine)")
	f.BoolVar(&opts.Request.Private, "private", false, "with --create: make a new repository private")
	f.StringVarP(&opts.Request.Message, "commit-message", "m", "", "commit message (default \"Upload with calibkit\")")
	f.StringVar(&opts.Request.Description, "commit-description", "", "longer commit description")
	f.IntVarP(&opts.Request.Jobs, "jobs", "j", 4, "LFS files sent at once")
	f.BoolVar(&opts.Rehash, "rehash", false, "hash every file afresh instead of trusting the hashes kept for unchanged files")
	f.BoolVar(&opts.JSON, "json", false, "print a JSON summary")
	return cmd
}

func uploadRun(ctx context.Context, opts *Options) error {
	files, err := datasets.CollectUploadFiles(opts.Paths)
	if err != nil {
		return err
	}
	getCfg := opts.HubConfig
	if getCfg == nil {
		getCfg = datasets.ConfigFromEnv
	}
	cfg, err := getCfg()
	if err != nil {
		return err
	}
	if cfg.Offline {
		return fmt.Errorf("HF_HUB_OFFLINE is set: unset it to upload")
	}
	var clientOpts []datasets.Option
	if opts.Rehash {
		clientOpts = append(clientOpts, datasets.WithoutHashCache())
	}
	var bars *datasets.ProgressBars
	if opts.IO.ShowProgress() {
		bars = datasets.NewProgressBars(opts.IO.ErrOut)
		clientOpts = append(clientOpts, datasets.WithProgress(bars))
	}
	c, err := datasets.NewClient(cfg, clientOpts...)
	if err != nil {
		return err
	}
	opts.Request.Files = files
	res, err := c.Upload(ctx, opts.Request)
	if bars != nil {
		bars.Wait()
	}
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	if res.Committed {
		if res.CommitURL != "" {
			fmt.Fprintln(opts.IO.Out, res.CommitURL)
		} else {
			fmt.Fprintf(opts.IO.Out, "%s: committed (the answer to the commit was lost; the branch holds every file)\n", res.Repo)
		}
	} else {
		fmt.Fprintf(opts.IO.Out, "%s: nothing to commit, the branch %s holds every file unchanged\n", res.Repo, res.Revision)
	}
	if opts.IO.ShowProgress() {
		var sent, onHub, same, ignored int
		for _, f := range res.Files {
			switch {
			case f.Ignored:
				ignored++
			case f.Unchanged:
				same++
			case f.OnHub:
				onHub++
			case f.Sent:
				sent++
			}
		}
		fmt.Fprintf(opts.IO.ErrOut, "%s: %d files; %d LFS sent, %d LFS already on the Hub, %d unchanged", res.Repo, len(res.Files), sent, onHub, same)
		if ignored > 0 {
			fmt.Fprintf(opts.IO.ErrOut, ", %d left out by the repository's .gitignore", ignored)
		}
		fmt.Fprintln(opts.IO.ErrOut)
	}
	return nil
}
