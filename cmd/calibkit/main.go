// Command calibkit builds calibration corpora, size-matched evaluation sets
// and importance matrices for llama.cpp quantization.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/calibkit/calibkit/internal/cmd/root"
	"github.com/calibkit/calibkit/internal/cmdutil"
	"github.com/calibkit/calibkit/internal/iostreams"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first Ctrl-C the run saves what it can and stops; restoring
	// the default handler lets a second Ctrl-C end the process at once.
	go func() {
		<-ctx.Done()
		stop()
	}()
	io := iostreams.System()
	cmd := root.NewCmdRoot(io)
	cmd.SetArgs(cmdutil.LlamaArgs(os.Args[1:]))
	_, err := cmd.ExecuteContextC(ctx)
	if err != nil && !errors.Is(err, cmdutil.ErrSilent) {
		msg := err.Error()
		var fe *cmdutil.FlagError
		if errors.As(err, &fe) || strings.HasPrefix(msg, "unknown command") {
			fmt.Fprintf(io.ErrOut, "calibkit: %s\nRun 'calibkit --help' for usage.\n", msg)
			return cmdutil.ExitUsage
		}
		fmt.Fprintf(io.ErrOut, "calibkit: %s\n", msg)
	}
	return cmdutil.ExitCode(err)
}
