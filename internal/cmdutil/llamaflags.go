package cmdutil

import "strings"

// LlamaArgs rewrites llama.cpp's multi-letter single-dash flags that calibkit
// takes, which pflag cannot parse as shorthands: -fa becomes --flash-attn
// (also as -fa=VALUE). main and the command tests apply it to the arguments.
func LlamaArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		switch {
		case a == "-fa":
			a = "--flash-attn"
		case strings.HasPrefix(a, "-fa="):
			a = "--flash-attn=" + a[len("-fa="):]
		}
		out[i] = a
	}
	return out
}
