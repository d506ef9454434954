package corpus

import (
	"fmt"
	"os"
)

// DropOutput returns files without the ones that are the file at output or
// its manifest (an earlier run's results, found when a run writes into a
// folder it also reads), and which it dropped. Files that do not exist yet
// drop nothing.
func DropOutput(files []string, output string) (kept, dropped []string) {
	var outs []os.FileInfo
	for _, p := range []string{output, output + ".manifest.json"} {
		if fi, err := os.Stat(p); err == nil {
			outs = append(outs, fi)
		}
	}
	if len(outs) == 0 {
		return files, nil
	}
	kept = files[:0:0]
next:
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			for _, o := range outs {
				if os.SameFile(fi, o) {
					dropped = append(dropped, f)
					continue next
				}
			}
		}
		kept = append(kept, f)
	}
	return kept, dropped
}

// checkNotOutput fails when one of inputs is the file at output: the run
// would read what it replaces.
func checkNotOutput(inputs []string, output string) error {
	if _, dropped := DropOutput(inputs, output); len(dropped) > 0 {
		return fmt.Errorf("input %s is the output file %s: write the output elsewhere", dropped[0], output)
	}
	return nil
}
