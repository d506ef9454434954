package corpus

import (
	"context"
	"fmt"
	"io"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/manifest"
)

// Build processes the given input files into output
// (.txt or .jsonl), written atomically, and writes output's manifest
// (inputs with sha256, parameters, counts, what each step removed). command
// is recorded in the manifest (usually os.Args). On any error no file
// appears under the output name.
func Build(ctx context.Context, inputs []string, output string, command []string, opts Options) (*Stats, error) {
	var st *Stats
	process := func(w io.Writer, format OutputFormat) (err error) {
		st, err = Process(ctx, inputs, w, format, opts)
		return err
	}
	describe := func(m *manifest.Manifest, format OutputFormat) {
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
	}
	if err := buildOutput(ctx, inputs, output, command, process, describe); err != nil {
		return nil, err
	}
	return st, nil
}

// buildOutput is what Build and BuildChat share: it checks the output's
// format and that it is no input, writes it atomically with process,
// hashes the inputs into its manifest, lets describe add the rest, then
// commits the file and writes the manifest. On any error no file appears
// under the output name.
func buildOutput(ctx context.Context, inputs []string, output string, command []string,
	process func(w io.Writer, format OutputFormat) error, describe func(m *manifest.Manifest, format OutputFormat)) error {
	format, err := OutputFormatOf(output)
	if err != nil {
		return err
	}
	if err := checkNotOutput(inputs, output); err != nil {
		return err
	}
	f, err := atomicfile.Create(output, atomicfile.RecordSHA256())
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := process(f, format); err != nil {
		return err
	}
	m := manifest.New(output, command)
	for _, in := range inputs {
		if err := m.AddInput(in); err != nil {
			return err
		}
	}
	describe(m, format)
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := f.Commit(); err != nil {
		return err
	}
	if err := m.Write(); err != nil {
		return fmt.Errorf("output %s was written but its manifest failed: %w", output, err)
	}
	return nil
}
