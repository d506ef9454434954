package corpus

import (
	"context"
	"fmt"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/manifest"
)

// Build processes the given input files into output
// (.txt or .jsonl), written atomically, and writes output's manifest
// (inputs with sha256, parameters, counts, what each step removed). command
// is recorded in the manifest (usually os.Args). On any error no file
// appears under the output name.
func Build(ctx context.Context, inputs []string, output string, command []string, opts Options) (*Stats, error) {
	format, err := OutputFormatOf(output)
	if err != nil {
		return nil, err
	}
	if err := checkNotOutput(inputs, output); err != nil {
		return nil, err
	}
	f, err := atomicfile.Create(output, atomicfile.RecordSHA256())
	if err != nil {
		return nil, err
	}
	defer f.Abort()
	st, err := Process(ctx, inputs, f, format, opts)
	if err != nil {
		return nil, err
	}
	m := manifest.New(output, command)
	for _, in := range inputs {
		if err := m.AddInput(in); err != nil {
			return nil, err
		}
	}
	if opts.Workers == 0 {
		opts.Workers = DefaultOptions().Workers
	}
	m.Parameters = opts.Parameters()
	m.Parameters["output_format"] = format.String()
	m.Counts = st.Counts()
	if opts.Segment != SegmentSentences {
		delete(m.Counts, "sentences")
	}
	m.Extra = map[string]any{"removed": st.RemovedMap()}
	if len(st.EmptyInputs) > 0 {
		m.Extra["empty_inputs"] = st.EmptyInputs
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := f.Commit(); err != nil {
		return nil, err
	}
	if err := m.Write(); err != nil {
		return nil, fmt.Errorf("output %s was written but its manifest failed: %w", output, err)
	}
	return st, nil
}
