package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, ExitOK},
		{errors.New("boom"), ExitFailed},
		{FlagErrorf("bad %s", "flag"), ExitUsage},
		{fmt.Errorf("wrapped: %w", FlagErrorf("bad")), ExitUsage},
		{context.Canceled, ExitFailed},
		{ErrSilent, ExitFailed},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestArgs(t *testing.T) {
	check := Args(cobra.ExactArgs(1))
	err := check(&cobra.Command{}, nil)
	var fe *FlagError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a FlagError", err)
	}
	if err := check(&cobra.Command{}, []string{"a"}); err != nil {
		t.Fatalf("one arg: %v", err)
	}
}

func TestReport(t *testing.T) {
	root := &cobra.Command{Use: "calibkit"}
	plan := &cobra.Command{Use: "plan", Run: func(*cobra.Command, []string) {}}
	study := &cobra.Command{Use: "study"}
	study.AddCommand(plan)
	help := &cobra.Command{Use: "help", Run: func(*cobra.Command, []string) {}}
	root.AddCommand(study, help)
	tests := []struct {
		name string
		cmd  *cobra.Command
		err  error
		code int
		out  string
	}{
		{"ok", plan, nil, ExitOK, ""},
		{"usage", nil, FlagErrorf("-o is required"), ExitUsage, "calibkit: -o is required\nRun 'calibkit --help' for usage.\n"},
		{"usage of a subcommand", plan, FlagErrorf("-o is required"), ExitUsage, "calibkit: -o is required\nRun 'calibkit study plan --help' for usage.\n"},
		{"wrapped usage", study, fmt.Errorf("study: %w", FlagErrorf("bad cell")), ExitUsage, "calibkit: study: bad cell\nRun 'calibkit study --help' for usage.\n"},
		{"unknown command", root, errors.New(`unknown command "foo" for "calibkit"`), ExitUsage, "calibkit: unknown command \"foo\" for \"calibkit\"\nRun 'calibkit --help' for usage.\n"},
		{"unknown help topic", help, FlagErrorf(`unknown help topic "x"`), ExitUsage, "calibkit: unknown help topic \"x\"\nRun 'calibkit --help' for usage.\n"},
		{"runtime", plan, errors.New("read text: open x.txt: no such file or directory"), ExitFailed, "calibkit: read text: open x.txt: no such file or directory\n"},
		{"silent", plan, fmt.Errorf("steps: %w", ErrSilent), ExitFailed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if code := Report(&b, tt.cmd, tt.err); code != tt.code || b.String() != tt.out {
				t.Errorf("Report(%v) = %d, %q; want %d, %q", tt.err, code, b.String(), tt.code, tt.out)
			}
		})
	}
}
