// Package root assembles the calibkit command tree.
package root

import (
	"github.com/spf13/cobra"

	corpuscmd "github.com/calibkit/calibkit/cli/cmd/corpus"
	coveragecmd "github.com/calibkit/calibkit/cli/cmd/coverage"
	democmd "github.com/calibkit/calibkit/cli/cmd/demo"
	evalcmd "github.com/calibkit/calibkit/cli/cmd/eval"
	exportcmd "github.com/calibkit/calibkit/cli/cmd/export"
	fetchcmd "github.com/calibkit/calibkit/cli/cmd/fetch"
	imatrixcmd "github.com/calibkit/calibkit/cli/cmd/imatrix"
	mixcmd "github.com/calibkit/calibkit/cli/cmd/mix"
	modelcmd "github.com/calibkit/calibkit/cli/cmd/model"
	overlapcmd "github.com/calibkit/calibkit/cli/cmd/overlap"
	perplexitycmd "github.com/calibkit/calibkit/cli/cmd/perplexity"
	quantizecmd "github.com/calibkit/calibkit/cli/cmd/quantize"
	studycmd "github.com/calibkit/calibkit/cli/cmd/study"
	sweepcmd "github.com/calibkit/calibkit/cli/cmd/sweep"
	taskscmd "github.com/calibkit/calibkit/cli/cmd/tasks"
	tokenizecmd "github.com/calibkit/calibkit/cli/cmd/tokenize"
	uploadcmd "github.com/calibkit/calibkit/cli/cmd/upload"
	versioncmd "github.com/calibkit/calibkit/cli/cmd/version"
	wikitextcmd "github.com/calibkit/calibkit/cli/cmd/wikitext"
	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/version"
)

// Commands are listed in the order they are added, the common path first,
// not sorted by name.
func init() { cobra.EnableCommandSorting = false }

// NewCmdRoot returns the calibkit root command writing to io.
func NewCmdRoot(io *iostreams.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "calibkit <command>",
		Short: "Build calibration and eval text for llama.cpp, quantize with it, score and compare",
		Long: `calibkit builds the text that quantizers feed to llama.cpp: clean calibration
corpora for importance matrices (imatrix), size-matched evaluation sets and
ratio-controlled calibration mixes, in any of 37 Wikipedia languages
(Japanese first). It runs llama.cpp itself (linked in) for the importance
matrix, quantization, perplexity, KL divergence and task accuracy, so its
files and numbers compare with llama-imatrix, llama-quantize and
llama-perplexity; it runs whole studies (imatrix sources × quant variants ×
eval sets and task sets) as one resumable command, and publishes the text
and the quants on the Hugging Face Hub with their cards.

Each command's --help says what it does; docs/ has a page for each.`,
		Example: `  calibkit demo                # the whole chain on sample data built into the binary, no download
  calibkit fetch wikipedia-ja  # then corpus build, eval build, mix, imatrix, quantize, perplexity
  calibkit study run examples/studies/imatrix-jpn-test.yaml -o jpn-test`,
		Version:       version.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetIn(io.In)
	cmd.SetOut(io.Out)
	cmd.SetErr(io.ErrOut)
	cmd.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	pf := cmd.PersistentFlags()
	pf.BoolVarP(&io.Quiet, "quiet", "q", false, "no progress bars or chatter on stderr")
	pf.BoolVar(&io.Verbose, "verbose", false, "let llama.cpp's own log through to stderr")

	// Subcommands register here, in their group, in the order of the
	// pipeline.
	group := func(id, title string, cmds ...*cobra.Command) {
		cmd.AddGroup(&cobra.Group{ID: id, Title: title})
		for _, c := range cmds {
			c.GroupID = id
			cmd.AddCommand(c)
		}
	}
	group("data", "Data:",
		fetchcmd.NewCmdFetch(io, nil), wikitextcmd.NewCmdWikitext(io, nil), corpuscmd.NewCmdCorpus(io, nil),
		evalcmd.NewCmdEval(io), taskscmd.NewCmdTasks(io, nil))
	group("calibration", "Calibration:",
		mixcmd.NewCmdMix(io, nil), sweepcmd.NewCmdSweep(io, nil), overlapcmd.NewCmdOverlap(io, nil),
		coveragecmd.NewCmdCoverage(io, nil), imatrixcmd.NewCmdImatrix(io, nil))
	group("score", "Quantize and score:",
		quantizecmd.NewCmdQuantize(io, nil), perplexitycmd.NewCmdPerplexity(io, nil))
	group("studies", "Studies:",
		studycmd.NewCmdStudy(io, nil), democmd.NewCmdDemo(io, nil))
	group("publish", "Publish on the Hugging Face Hub:",
		exportcmd.NewCmdExport(io), uploadcmd.NewCmdUpload(io, nil))
	group("tools", "Tools:",
		modelcmd.NewCmdModel(io), tokenizecmd.NewCmdTokenize(io, nil), versioncmd.NewCmdVersion(io, nil))
	cmd.SetHelpCommandGroupID("tools")
	cmd.SetCompletionCommandGroupID("tools")
	cmd.InitDefaultHelpCmd()
	cmd.InitDefaultCompletionCmd()
	refuseUnknown(cmd)
	return cmd
}
