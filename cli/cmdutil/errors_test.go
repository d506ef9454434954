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
	tests := []struct {
		name string
		err  error
		code int
		out  string
	}{
		{"ok", nil, ExitOK, ""},
		{"usage", FlagErrorf("-o is required"), ExitUsage, "calibkit: -o is required\n" + usageHint + "\n"},
		{"wrapped usage", fmt.Errorf("study: %w", FlagErrorf("bad cell")), ExitUsage, "calibkit: study: bad cell\n" + usageHint + "\n"},
		{"unknown command", errors.New(`unknown command "foo" for "calibkit"`), ExitUsage, "calibkit: unknown command \"foo\" for \"calibkit\"\n" + usageHint + "\n"},
		{"runtime", errors.New("read text: open x.txt: no such file or directory"), ExitFailed, "calibkit: read text: open x.txt: no such file or directory\n"},
		{"silent", fmt.Errorf("steps: %w", ErrSilent), ExitFailed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if code := Report(&b, tt.err); code != tt.code || b.String() != tt.out {
				t.Errorf("Report(%v) = %d, %q; want %d, %q", tt.err, code, b.String(), tt.code, tt.out)
			}
		})
	}
}
