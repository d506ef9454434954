// Command gen writes the scale-out examples (scaleout.Files) from
// scaleout.Default into the folder -o names: go generate ./internal/scaleout.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/scaleout"
)

func main() {
	out := flag.String("o", "", "folder to write the examples into (examples/scale-out)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gen -o DIR")
		os.Exit(2)
	}
	for _, f := range scaleout.Files {
		if err := write(filepath.Join(*out, f.Name), f); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
	}
}

// write renders f and writes it to path with its mode.
func write(path string, f scaleout.File) error {
	b, err := scaleout.Render(f.Name, scaleout.Default)
	if err != nil {
		return err
	}
	w, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer w.Abort()
	if _, err := w.Write(b); err != nil {
		return err
	}
	if err := w.Commit(); err != nil { // as 0644
		return err
	}
	return os.Chmod(path, os.FileMode(f.Mode))
}
