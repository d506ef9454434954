package cmdutil

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// usageHint follows the message of a usage error, and only of one.
const usageHint = "Run 'calibkit --help' for usage."

// Report writes what a command's error says to w and returns the exit
// status for it: a usage error (a FlagError, or cobra's unknown command)
// gets "calibkit: MESSAGE" and the usage hint, status 2; any other error
// only "calibkit: MESSAGE", status 1, since no flag would fix it (a
// missing input file, a failed step); ErrSilent prints nothing more.
func Report(w io.Writer, err error) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, ErrSilent) {
		return ExitCode(err)
	}
	msg := err.Error()
	var fe *FlagError
	if errors.As(err, &fe) || strings.HasPrefix(msg, "unknown command") {
		fmt.Fprintf(w, "calibkit: %s\n%s\n", msg, usageHint)
		return ExitUsage
	}
	fmt.Fprintf(w, "calibkit: %s\n", msg)
	return ExitCode(err)
}
