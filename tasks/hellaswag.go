package tasks

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

// HellaswagTask is one task of llama-perplexity's HellaSwag text file: a
// context, the index of the gold ending and four endings.
type HellaswagTask struct {
	Context string
	Gold    int
	Endings [4]string
}

// ReadHellaswag reads a HellaSwag task file: six lines per task (context,
// gold label 0..3, four endings), split on '\n' as upstream's std::getline
// does (a '\r' stays part of the line). name is used in errors. Unlike
// upstream, which scores a label out of range as always wrong and aborts on
// one that is not a number, it refuses both, naming the task and line.
func ReadHellaswag(r io.Reader, name string) ([]HellaswagTask, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read hellaswag file %s: %w", name, err)
	}
	lines := splitLines(data)
	if len(lines) == 0 {
		return nil, fmt.Errorf("hellaswag file %s: no tasks (the file is empty)", name)
	}
	if len(lines)%6 != 0 {
		return nil, fmt.Errorf("hellaswag file %s: %d lines, not a multiple of 6 (context, label, 4 endings per task): truncated file? the last task, %d, starts at line %d",
			name, len(lines), len(lines)/6, len(lines)/6*6+1)
	}
	tasks := make([]HellaswagTask, len(lines)/6)
	for i := range tasks {
		l := lines[i*6 : i*6+6]
		gold, ok := parseLeadingInt(l[1])
		if !ok {
			return nil, fmt.Errorf("hellaswag file %s: task %d (line %d): label %q is not a number", name, i, i*6+2, l[1])
		}
		if gold < 0 || gold > 3 {
			return nil, fmt.Errorf("hellaswag file %s: task %d (line %d): label %d out of range 0..3", name, i, i*6+2, gold)
		}
		t := HellaswagTask{Context: l[0], Gold: gold}
		copy(t.Endings[:], l[2:6])
		for j, e := range t.Endings {
			if e == "" {
				return nil, fmt.Errorf("hellaswag file %s: task %d (line %d): ending %d is empty", name, i, i*6+3+j, j)
			}
		}
		tasks[i] = t
	}
	return tasks, nil
}

// splitLines splits as repeated std::getline(…, '\n'): a final line
// without '\n' still counts, an empty text has no lines.
func splitLines(data []byte) []string {
	var lines []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, string(data))
			break
		}
		lines = append(lines, string(data[:i]))
		data = data[i+1:]
	}
	return lines
}

// parseLeadingInt reads an integer as std::stoi does: leading white space,
// an optional sign, digits; anything after them is ignored.
func parseLeadingInt(s string) (int, bool) {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n, digits := 0, 0
	for digits < len(s) && s[digits] >= '0' && s[digits] <= '9' {
		if n > 1<<30 {
			return 0, false
		}
		n = n*10 + int(s[digits]-'0')
		digits++
	}
	if digits == 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// WriteHellaswag writes tasks in the HellaSwag file format. A field that
// holds a newline, or a label out of range, is an error naming the task:
// the file would not read back.
func WriteHellaswag(w io.Writer, tasks []HellaswagTask) error {
	bw := bufio.NewWriter(w)
	for i, t := range tasks {
		if err := checkHellaswag(t); err != nil {
			return fmt.Errorf("hellaswag task %d: %w", i, err)
		}
		fmt.Fprintf(bw, "%s\n%d\n", t.Context, t.Gold)
		for _, e := range t.Endings {
			bw.WriteString(e)
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

func checkHellaswag(t HellaswagTask) error {
	if t.Gold < 0 || t.Gold > 3 {
		return fmt.Errorf("gold label %d out of range 0..3", t.Gold)
	}
	if strings.Contains(t.Context, "\n") {
		return fmt.Errorf("context holds a newline")
	}
	for j, e := range t.Endings {
		if strings.Contains(e, "\n") {
			return fmt.Errorf("ending %d holds a newline", j)
		}
		if e == "" {
			return fmt.Errorf("ending %d is empty", j)
		}
	}
	return nil
}
