// Package modelcmd implements the `calibkit model` command group:
// `calibkit model synth` writes a small llama-architecture GGUF with a real
// tokenizer and seeded random weights, `calibkit model train` trains one on
// text.
package modelcmd

import (
	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/iostreams"
)

// NewCmdModel returns the `model` command group.
func NewCmdModel(io *iostreams.IOStreams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "model <command>",
		Short: "Make models for tests, demos and benchmarks",
	}
	cmd.AddCommand(NewCmdSynth(io, nil))
	cmd.AddCommand(NewCmdTrain(io, nil))
	return cmd
}
