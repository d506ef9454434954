// Package version reports calibkit's own version and the llama.cpp it links.
package version

import "runtime/debug"

// Version is calibkit's version; release builds set it with
// -ldflags "-X github.com/calibkit/calibkit/internal/version.Version=v1.2.3".
var Version = ""

// String returns the version, falling back to the module's build info.
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
