package cmdutil

import (
	"context"
	"errors"
	"fmt"
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
