package progress

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/iostreams"
)

func TestInactiveOffTerminal(t *testing.T) {
	io, _, _, errOut := iostreams.Test()
	b := New(context.Background(), io)
	if b.Active() || b.Writer() != nil {
		t.Fatal("a bar off a terminal is active")
	}
	b.Tokens("imatrix", 10, 100, 5)
	b.Count("quantize", "tensors", 1, 3)
	b.Finish(true)
	if errOut.Len() != 0 {
		t.Fatalf("wrote %q off a terminal", errOut.String())
	}
}

func TestDrawsOnTerminal(t *testing.T) {
	tests := []struct {
		name string
		run  func(*Bar)
		want []string
	}{
		{"tokens", func(b *Bar) {
			b.Tokens("perplexity", 0, 1024, math.NaN())
			b.Tokens("perplexity", 1024, 1024, 12.5)
		}, []string{"perplexity", "1024/1024 tokens"}},
		{"count", func(b *Bar) {
			b.Count("quantize", "tensors", 0, 3)
			b.Count("quantize", "tensors", 3, 3)
		}, []string{"quantize", "3/3 tensors"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _, errOut := iostreams.Test()
			io.StderrTTY = true
			b := New(context.Background(), io)
			if !b.Active() || b.Writer() == nil {
				t.Fatal("a bar on a terminal is inactive")
			}
			tt.run(b)
			b.Finish(true)
			for _, w := range tt.want {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("drawn %q, want %q in it", errOut.String(), w)
				}
			}
		})
	}
	io, _, _, _ := iostreams.Test()
	io.StderrTTY, io.Quiet = true, true
	if New(context.Background(), io).Active() {
		t.Error("--quiet bar is active")
	}
}
