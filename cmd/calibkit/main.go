// Command calibkit builds calibration corpora, size-matched evaluation sets
// and importance matrices for llama.cpp quantization.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/calibkit/calibkit/cli/cmd/root"
	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
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
	c, err := cmd.ExecuteContextC(ctx)
	return cmdutil.Report(io.ErrOut, c, err)
}
