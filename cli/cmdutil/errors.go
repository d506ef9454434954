// Package cmdutil holds what every calibkit command shares: usage errors and
// the one mapping from errors to exit codes.
package cmdutil

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
)

// Exit statuses, as DESIGN.md §5 fixes them.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
)

// FlagError marks bad usage: a wrong flag, a missing argument, values that
// contradict each other. It exits with status 2.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError from a format string.
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ErrSilent asks for a failing exit status without printing anything more:
// the command already said what went wrong.
var ErrSilent = errors.New("silent error")

// ExitCode maps an error returned by a command to the process exit status.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var fe *FlagError
	if errors.As(err, &fe) {
		return ExitUsage
	}
	return ExitFailed
}

// Args wraps a cobra positional-argument check so that its failure is a
// usage error (exit status 2).
func Args(check func(cmd *cobra.Command, args []string) error) func(cmd *cobra.Command, args []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return &FlagError{Err: err}
		}
		return nil
	}
}
