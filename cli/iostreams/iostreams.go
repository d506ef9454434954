// Package iostreams carries the standard streams a command reads and writes,
// so that commands can be tested in parallel without swapping globals.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams holds a command's input, data output and diagnostic output.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// StderrTTY reports whether ErrOut is a terminal: progress bars and
	// chatter are shown only then.
	StderrTTY bool
	// Quiet silences progress and chatter even on a terminal (--quiet).
	Quiet bool
	// Verbose lets library logs (llama.cpp's) through to ErrOut (--verbose).
	Verbose bool
}

// ShowProgress reports whether progress bars should be drawn on ErrOut.
func (s *IOStreams) ShowProgress() bool { return s.StderrTTY && !s.Quiet }

// System returns streams bound to the process's stdin, stdout and stderr.
func System() *IOStreams {
	return &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		StderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}

// Test returns streams backed by buffers: input to fill, output and error to read.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}
