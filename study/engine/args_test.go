package engine

import (
	"slices"
	"testing"
)

func TestImatrixArgsParseSpecial(t *testing.T) {
	for _, special := range []bool{false, true} {
		args := ImatrixArgs(ImatrixJob{Model: "m.gguf", Text: "chat.txt", Output: "im.gguf", ParseSpecial: special})
		if got := slices.Contains(args, "--parse-special"); got != special {
			t.Errorf("ParseSpecial %v: args %q", special, args)
		}
		if args[0] != "-m" || args[1] != "m.gguf" || args[3] != "chat.txt" {
			t.Errorf("args %q", args)
		}
	}
}
