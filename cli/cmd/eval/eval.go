// Package evalcmd implements the `calibkit eval` command group:
// `calibkit eval build` cuts a size-matched evaluation set from a corpus.
package evalcmd

import (
	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/iostreams"
)

// NewCmdEval returns the `eval` command group.
func NewCmdEval(io *iostreams.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eval <command>",
		Short: "Build evaluation sets for llama-perplexity",
	}
	cmd.AddCommand(NewCmdBuild(io, nil))
	return cmd
}
