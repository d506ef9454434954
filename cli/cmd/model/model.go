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
		Short: "Make small models for tests, demos and experiments: synthesized, or trained on text",
	}
	cmd.AddCommand(NewCmdSynth(io, nil))
	cmd.AddCommand(NewCmdTrain(io, nil))
	return cmd
}
