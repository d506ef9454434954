// Command jagen writes generated Japanese text for benchmarks:
// jagen -bytes 50000000 -seed 1 > ja.txt
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/calibkit/calibkit/tokenize/internal/jagen"
)

func main() {
	n := flag.Int64("bytes", 10<<20, "approximate number of bytes to write")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := jagen.Write(os.Stdout, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "jagen:", err)
		os.Exit(1)
	}
}
