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

// NewCmdRoot returns the calibkit root command writing to io.
func NewCmdRoot(io *iostreams.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "calibkit <command>",
		Short: "Build calibration and evaluation text for llama.cpp quantization",
		Long: `calibkit builds the text that quantizers feed to llama.cpp: clean Japanese and
English corpora, size-matched evaluation sets, ratio-controlled calibration
mixes and sweeps, and importance matrices computed with llama.cpp itself.`,
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

	// Subcommands register here, one line each.
	cmd.AddCommand(tokenizecmd.NewCmdTokenize(io, nil))
	cmd.AddCommand(corpuscmd.NewCmdCorpus(io, nil))
	cmd.AddCommand(democmd.NewCmdDemo(io, nil))
	cmd.AddCommand(modelcmd.NewCmdModel(io))
	cmd.AddCommand(imatrixcmd.NewCmdImatrix(io, nil))
	cmd.AddCommand(quantizecmd.NewCmdQuantize(io, nil))
	cmd.AddCommand(perplexitycmd.NewCmdPerplexity(io, nil))
	cmd.AddCommand(versioncmd.NewCmdVersion(io, nil))
	cmd.AddCommand(evalcmd.NewCmdEval(io), mixcmd.NewCmdMix(io, nil), sweepcmd.NewCmdSweep(io, nil), overlapcmd.NewCmdOverlap(io, nil))
	cmd.AddCommand(fetchcmd.NewCmdFetch(io, nil), wikitextcmd.NewCmdWikitext(io, nil))
	cmd.AddCommand(exportcmd.NewCmdExport(io), uploadcmd.NewCmdUpload(io, nil))
	cmd.AddCommand(taskscmd.NewCmdTasks(io, nil))
	cmd.AddCommand(studycmd.NewCmdStudy(io, nil))
	cmd.AddCommand(coveragecmd.NewCmdCoverage(io, nil))
	return cmd
}
