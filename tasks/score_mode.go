package tasks

import (
	"context"
	"fmt"
	"io"

	"github.com/calibkit/calibkit/internal/llama"
)

// Score scores the task file read from r with the scorer of mode.
func Score(ctx context.Context, m *llama.Model, mode Mode, r io.Reader, name string, o Options) (*Result, error) {
	switch mode {
	case Hellaswag:
		return ScoreHellaswag(ctx, m, r, name, o)
	case Winogrande:
		return ScoreWinogrande(ctx, m, r, name, o)
	case MultipleChoice:
		return ScoreMultipleChoice(ctx, m, r, name, o)
	}
	return nil, fmt.Errorf("score tasks: unknown mode %q (want hellaswag, winogrande or multiple-choice)", mode)
}
