package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// usageHint follows the message of a usage error, and only of one.
func usageHint(cmd *cobra.Command) string {
	path := "calibkit"
	if cmd != nil && cmd.Name() == "help" && cmd.HasParent() {
		cmd = cmd.Parent() // "calibkit help bogus": the help to read is calibkit's
	}
	if cmd != nil {
		path = cmd.CommandPath()
	}
	return fmt.Sprintf("Run '%s --help' for usage.", path)
}

// Report writes what a command's error says to w and returns the exit
// status for it: a usage error (a FlagError, or cobra's unknown command)
// gets "calibkit: MESSAGE" and the usage hint naming cmd, the command
// that ran (nil: the root), status 2; any other error only "calibkit:
// MESSAGE", status 1, since no flag would fix it (a missing input file, a
// failed step: the message says what to do); ErrSilent prints nothing
// more.
func Report(w io.Writer, cmd *cobra.Command, err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, ErrSilent) {
		return ExitCode(err)
	}
	msg := err.Error()
	var fe *FlagError
	if errors.As(err, &fe) || strings.HasPrefix(msg, "unknown command") {
		fmt.Fprintf(w, "calibkit: %s\n%s\n", msg, usageHint(cmd))
		return ExitUsage
	}
	fmt.Fprintf(w, "calibkit: %s%s\n", msg, advice(err, msg))
	return ExitCode(err)
}

// advice says what to do about a failed file operation whose message
// ends with the system's bare words ("no such file or directory"), where
// no layer above said more.
func advice(err error, msg string) string {
	var pe *fs.PathError
	if !errors.As(err, &pe) || !strings.HasSuffix(msg, pe.Err.Error()) {
		return ""
	}
	switch {
	case errors.Is(pe.Err, fs.ErrNotExist):
		return "; check the path"
	case errors.Is(pe.Err, syscall.ENOTDIR):
		return "; a part of the path " + pe.Path + " is a file, not a folder"
	case errors.Is(pe.Err, fs.ErrPermission):
		return "; check the permissions of " + pe.Path + " and its folder"
	case errors.Is(pe.Err, syscall.ENOSPC):
		return "; free some space or write elsewhere"
	}
	return ""
}
