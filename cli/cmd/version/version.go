// Package versioncmd implements `calibkit version`: calibkit's version, the
// llama.cpp it links and the CPU features that llama.cpp was compiled with.
package versioncmd

import (
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/version"
)

// Options are the parsed flags of `calibkit version`.
type Options struct {
	IO   *iostreams.IOStreams
	JSON bool
}

// Info is what the command reports.
type Info struct {
	Version        string `json:"version"`
	LlamaCppCommit string `json:"llama_cpp_commit"`
	OllamaModule   string `json:"ollama_module"`
	GoVersion      string `json:"go_version"`
	SystemInfo     string `json:"system_info"`
}

// NewCmdVersion returns the version command; runF replaces the real run in tests.
func NewCmdVersion(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print calibkit's version, the llama.cpp commit and the CPU features compiled in",
		Long: `Print calibkit's version, the llama.cpp commit linked in (vendored by the
pinned github.com/ollama/ollama module) and llama.cpp's system information:
the CPU features ggml was compiled for. A fast build shows AVX2 = 1, FMA = 1
and F16C = 1 on x86-64 (build with CGO_CFLAGS/CGO_CXXFLAGS="-O3 -march=native -ffp-contract=off",
as the Makefile does).`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the information as JSON")
	return cmd
}

// Collect gathers the version information.
func Collect() Info {
	info := Info{
		Version:        version.String(),
		LlamaCppCommit: llama.Commit,
		OllamaModule:   "unknown",
		GoVersion:      runtime.Version(),
		SystemInfo:     llama.SystemInfo(),
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/ollama/ollama" {
				info.OllamaModule = d.Version
			}
		}
	}
	return info
}

func versionRun(opts *Options) error {
	info := Collect()
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	_, err := fmt.Fprintf(opts.IO.Out, "calibkit %s (%s)\nllama.cpp %s (github.com/ollama/ollama %s)\nsystem_info: %s\n",
		info.Version, info.GoVersion, info.LlamaCppCommit, info.OllamaModule, info.SystemInfo)
	return err
}
