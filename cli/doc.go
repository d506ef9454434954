// Package cli is the command line's floor: cli/cmd/<noun> holds one package per
// command (cli/cmd/root assembles them for cmd/calibkit), and cli/cmdutil,
// cli/iostreams, cli/progress and cli/mixflags the helpers they share.
//
// The commands parse flags and call the library packages (corpus, mix,
// imatrix, quantize, perplexity, study, ...), which stand on the foundation in
// internal/. No library package imports this floor, and no command imports
// another; TestLayers checks both from `go list` (docs/architecture.md).
package cli
