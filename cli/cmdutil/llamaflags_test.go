package cmdutil

import (
	"strings"
	"testing"
)

func TestLlamaArgs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"-m x -fa on", "-m x --flash-attn on"},
		{"-fa=auto -ub 128", "--flash-attn=auto --ubatch-size 128"},
		{"--multiple-choice -np 5", "--multiple-choice --parallel 5"},
		{"-f a.txt -fast", "-f a.txt -fast"},
		{"-m x -- -fa", "-m x -- -fa"},
	}
	for _, tt := range tests {
		if got := strings.Join(LlamaArgs(strings.Fields(tt.in)), " "); got != tt.want {
			t.Errorf("LlamaArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
