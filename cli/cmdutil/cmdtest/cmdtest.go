// Package cmdtest runs one calibkit command in a test the way the root
// command runs it, for the flag-parsing layer of command tests.
package cmdtest

import (
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
)

// Execute runs cmd with the whitespace-separated args as it runs under the
// root: flag errors are usage errors and cobra's own output is discarded.
func Execute(cmd *cobra.Command, args string) error {
	cmd.SetArgs(cmdutil.LlamaArgs(strings.Fields(args)))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetFlagErrorFunc(cmdutil.FlagErrorFunc)
	return cmd.Execute()
}

// WantUsageError fails the test unless err is a usage error (exit status 2)
// whose message contains want.
func WantUsageError(t testing.TB, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) || cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Fatalf("error %v (exit %d), want a usage error mentioning %q", err, cmdutil.ExitCode(err), want)
	}
}

// Parse runs the command that newCmd makes (a NewCmdX of a command
// package) on args as Execute does, with a run function that only keeps
// the options it is given. With wantErr set it requires a usage error
// mentioning wantErr (WantUsageError) and returns nil; otherwise it fails
// the test on an error, or when the command did not call its run
// function, and returns the parsed options.
func Parse[O any](t testing.TB, newCmd func(*iostreams.IOStreams, func(*O) error) *cobra.Command, args, wantErr string) *O {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	var got *O
	err := Execute(newCmd(ios, func(o *O) error { got = o; return nil }), args)
	if wantErr != "" {
		WantUsageError(t, err, wantErr)
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatalf("%q parsed, but the command did not call its run function", args)
	}
	return got
}
