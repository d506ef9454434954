package cmdutil

import "strings"

// llamaLong maps llama.cpp's multi-letter single-dash flags that calibkit
// takes to their long names.
var llamaLong = map[string]string{"-fa": "--flash-attn", "-ub": "--ubatch-size", "-np": "--parallel"}

// LlamaArgs rewrites llama.cpp's multi-letter single-dash flags, which pflag
// cannot parse as shorthands: -fa becomes --flash-attn, -ub --ubatch-size
// and -np --parallel (also as -fa=VALUE). main and the command tests apply it to
// the arguments; everything after "--" is left alone.
func LlamaArgs(args []string) []string {
	out := make([]string, len(args))
	done := false
	for i, a := range args {
		if !done {
			name, val, hasVal := strings.Cut(a, "=")
			if long, ok := llamaLong[name]; ok {
				a = long
				if hasVal {
					a += "=" + val
				}
			}
			done = a == "--"
		}
		out[i] = a
	}
	return out
}
