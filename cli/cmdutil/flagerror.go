package cmdutil

import "github.com/spf13/cobra"

// FlagErrorFunc turns cobra's flag-parsing errors into usage errors; the root
// command installs it, and its subcommands inherit it.
func FlagErrorFunc(_ *cobra.Command, err error) error { return &FlagError{Err: err} }
