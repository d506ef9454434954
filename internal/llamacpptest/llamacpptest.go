// Package llamacpptest finds llama.cpp's own tools (llama-imatrix,
// llama-quantize, llama-perplexity) for the tests and benchmarks that
// compare calibkit with them: the folder $CALIBKIT_LLAMA_CPP names, which
// .ci/run sets to ../shared/llama.cpp when that folder exists. Without it
// those tests skip, saying why.
package llamacpptest

import (
	"os"
	"path/filepath"
	"testing"
)

// Env names the environment variable that holds the tools' folder.
const Env = "CALIBKIT_LLAMA_CPP"

// Dir returns the tools' folder, or skips t when Env is unset; what says
// what the test would run the tools for.
func Dir(t testing.TB, what string) string {
	t.Helper()
	dir := os.Getenv(Env)
	if dir == "" {
		t.Skipf("%s is not set: no llama.cpp tools %s (.ci/run sets it to ../shared/llama.cpp)", Env, what)
	}
	return dir
}

// Tool returns the path of the tool name (llama-quantize, ...) in Dir, or
// skips t when Env is unset or the folder has no such file.
func Tool(t testing.TB, name string) string {
	t.Helper()
	dir := Dir(t, "to compare "+name+" with")
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s=%s holds no %s: %v", Env, dir, name, err)
	}
	return p
}
