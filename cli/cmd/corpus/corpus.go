// Package corpuscmd implements `calibkit corpus`: building clean,
// normalized, de-duplicated and sentence-segmented text from Wikipedia
// parquet shards, JSONL or plain text.
package corpuscmd

import (
	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/iostreams"
)

// NewCmdCorpus returns the `corpus` command group; runF replaces the real
// run of `corpus build` in tests.
func NewCmdCorpus(io *iostreams.IOStreams, runF func(*BuildOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "corpus <command>",
		Short: "Clean and segment documents, or render conversations, into calibration text",
	}
	cmd.AddCommand(NewCmdBuild(io, runF))
	return cmd
}
