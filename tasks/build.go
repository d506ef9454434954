package tasks

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/manifest"
)

// BuildOptions choose a subset of the converted tasks.
type BuildOptions struct {
	// Limit keeps at most this many tasks (0: all): the first ones, or,
	// with Seed ≠ 0, a random subset drawn with that seed, kept in input
	// order.
	Limit int
	Seed  uint64
}

// Skipped names a row that could not be converted.
type Skipped struct {
	File   string `json:"file"`
	Row    int    `json:"row"`
	Reason string `json:"reason"`
}

// BuildResult describes a built task file.
type BuildResult struct {
	Output    string    `json:"output"`
	Name      string    `json:"name"`
	Mode      Mode      `json:"mode"`
	Template  string    `json:"template"`
	Rows      int       `json:"rows"`
	Converted int       `json:"converted"`
	Written   int       `json:"written"`
	Skipped   []Skipped `json:"skipped"`
	Bytes     int64     `json:"bytes"`
}

// maxNamedSkips bounds the skipped rows named in the manifest; all are
// counted.
const maxNamedSkips = 1000

// Build converts the rows of inputs (local JSON Lines, JSON array or
// parquet files, in order) with the converter name into the task file
// output, in the format llama-perplexity reads for the converter's mode,
// with its manifest beside it. Rows that cannot be converted (a missing
// field, a label out of range, an empty choice...) are counted and named
// in the result and the manifest. The file is written atomically: on error
// nothing is left under the output name.
func Build(ctx context.Context, name string, inputs []string, output string, command []string, o BuildOptions) (*BuildResult, error) {
	conv, ok := Converters[name]
	if !ok {
		return nil, fmt.Errorf("tasks build: unknown task %q (known: %v)", name, ConverterNames())
	}
	if len(inputs) == 0 {
		return nil, errors.New("tasks build: no input files")
	}
	if o.Limit < 0 {
		return nil, fmt.Errorf("tasks build: negative limit %d", o.Limit)
	}
	res := &BuildResult{Output: output, Name: name, Mode: conv.Mode, Template: conv.Template, Skipped: []Skipped{}}
	var items []any
	for _, in := range inputs {
		src, err := readRows(in)
		if err != nil {
			return nil, fmt.Errorf("tasks build: %w", err)
		}
		var rerr error
		src(func(i int, r Row, err error) bool {
			if cerr := ctx.Err(); cerr != nil {
				rerr = cerr
				return false
			}
			res.Rows++
			if err == nil {
				var t any
				if t, err = conv.convert(r); err == nil {
					items = append(items, t)
					return true
				}
			}
			if r == nil && err != nil && !isRowError(err) {
				rerr = err
				return false
			}
			res.Skipped = append(res.Skipped, Skipped{File: in, Row: i, Reason: err.Error()})
			return true
		})
		if rerr != nil {
			return nil, fmt.Errorf("tasks build: %w", rerr)
		}
	}
	res.Converted = len(items)
	if len(items) == 0 {
		return nil, fmt.Errorf("tasks build %s: none of the %d rows could be converted (first problem: %s)", name, res.Rows, firstReason(res.Skipped))
	}
	keep := subset(len(items), o)
	if err := writeTasks(output, conv.Mode, items, keep); err != nil {
		return nil, err
	}
	res.Written = len(keep)
	st, err := os.Stat(output)
	if err != nil {
		return nil, err
	}
	res.Bytes = st.Size()
	m := manifest.New(output, command)
	for _, in := range inputs {
		if err := m.AddInput(in); err != nil {
			return nil, err
		}
	}
	m.Parameters["task"] = name
	m.Parameters["format"] = string(conv.Mode)
	m.Parameters["template"] = conv.Template
	m.Parameters["source"] = conv.Source
	m.Parameters["limit"] = o.Limit
	m.Parameters["seed"] = o.Seed
	m.Counts["rows"] = res.Rows
	m.Counts["converted"] = res.Converted
	m.Counts["tasks"] = res.Written
	m.Counts["skipped"] = len(res.Skipped)
	m.Counts["bytes"] = res.Bytes
	named := res.Skipped
	if len(named) > maxNamedSkips {
		named = named[:maxNamedSkips]
	}
	m.Extra = map[string]any{"skipped": named}
	if err := m.Write(); err != nil {
		return nil, err
	}
	return res, nil
}

// rowError is a problem with one row (a line that is not JSON), which is
// skipped and named; any other error from reading stops the build.
type rowError struct{ error }

func isRowError(err error) bool {
	var re rowError
	return errors.As(err, &re)
}

func firstReason(s []Skipped) string {
	if len(s) == 0 {
		return "no rows"
	}
	return fmt.Sprintf("%s row %d: %s", s[0].File, s[0].Row, s[0].Reason)
}

// subset returns the indices kept, in input order.
func subset(n int, o BuildOptions) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	if o.Limit == 0 || o.Limit >= n {
		return idx
	}
	if o.Seed != 0 {
		r := rand.New(rand.NewPCG(o.Seed, 0x7461736b73))
		r.Shuffle(n, func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
		idx = idx[:o.Limit]
		sort.Ints(idx)
		return idx
	}
	return idx[:o.Limit]
}

func writeTasks(output string, mode Mode, items []any, keep []int) error {
	f, err := atomicfile.Create(output, atomicfile.RecordSHA256())
	if err != nil {
		return err
	}
	defer f.Abort()
	switch mode {
	case Hellaswag:
		ts := make([]HellaswagTask, len(keep))
		for i, k := range keep {
			ts[i] = *items[k].(*HellaswagTask)
		}
		err = WriteHellaswag(f, ts)
	case Winogrande:
		ts := make([]WinograndeTask, len(keep))
		for i, k := range keep {
			ts[i] = *items[k].(*WinograndeTask)
		}
		err = WriteWinogrande(f, ts)
	case MultipleChoice:
		ts := make([]MultipleChoiceTask, len(keep))
		for i, k := range keep {
			ts[i] = *items[k].(*MultipleChoiceTask)
		}
		err = WriteMultipleChoice(f, ts)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", output, err)
	}
	return f.Commit()
}
