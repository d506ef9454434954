// Package exportcmd implements `calibkit export`: calibkit's text in the
// forms other tools load. `export dataset` writes a Hugging Face dataset
// folder, `export model-card` a study's model card.
package exportcmd

import (
	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/iostreams"
)

// NewCmdExport returns the `export` command group.
func NewCmdExport(io *iostreams.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export <command>",
		Short: "Write text as a Hub dataset folder, or a study's quants' model card",
	}
	cmd.AddCommand(NewCmdDataset(io, nil))
	cmd.AddCommand(NewCmdModelCard(io, nil))
	return cmd
}
