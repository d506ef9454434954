// Package taskscmd implements `calibkit tasks build`: llama-perplexity task
// files (HellaSwag text, Winogrande CSV, binary multiple choice) from the
// datasets' own published forms.
package taskscmd

import (
	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/iostreams"
)

// NewCmdTasks returns the `tasks` command group; runF replaces the build
// run in tests.
func NewCmdTasks(io *iostreams.IOStreams, runF func(*BuildOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tasks <command>",
		Short: "Build llama-perplexity task files (HellaSwag, Winogrande, multiple choice) from datasets",
	}
	cmd.AddCommand(NewCmdBuild(io, runF))
	return cmd
}
