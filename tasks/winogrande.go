package tasks

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WinograndeTask is one row of llama-perplexity's Winogrande CSV: the
// sentence split at its blank "_", the two options and the answer (1 or 2).
type WinograndeTask struct {
	// Index is the row's first field, kept as written.
	Index string
	// First and Second are the sentence before and after the first "_".
	First, Second string
	Choices       [2]string
	Answer        int
}

// Sentence returns the sentence with "_" in its blank.
func (t WinograndeTask) Sentence() string { return t.First + "_" + t.Second }

// ReadWinogrande reads a Winogrande CSV as upstream's
// load_winogrande_from_csv does: rows "index,sentence,option1,option2,answer"
// found by the first four commas outside double quotes, the sentence
// unquoted when its field starts with '"', nothing else unquoted, the answer
// read as a leading integer. A header row (line 1 whose sentence has no "_"
// and whose answer is not a number) is skipped, as upstream skips it.
//
// llama-perplexity drops one final newline when it reads -f, and its CSV
// loop stops at a line that ends at the end of the text: it never scores
// the last row of a file unless an empty line follows it. ReadWinogrande
// drops that row too, so that both score the same tasks (WriteWinogrande
// ends its files with an empty line for that reason). Where upstream logs
// and skips a malformed row, ReadWinogrande returns an error naming the
// line.
func ReadWinogrande(r io.Reader, name string) ([]WinograndeTask, error) {
	tasks, _, err := readWinogrande(r, name)
	return tasks, err
}

// readWinogrande also returns the 1-based line number of a last row that
// upstream does not read, or 0.
func readWinogrande(r io.Reader, name string) ([]WinograndeTask, int, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, 0, fmt.Errorf("read winogrande file %s: %w", name, err)
	}
	data = bytes.TrimSuffix(data, []byte{'\n'}) // as llama.cpp's -f does
	lines := splitLines(data)
	dropped := 0
	if len(data) > 0 && data[len(data)-1] != '\n' {
		dropped = len(lines)
		lines = lines[:len(lines)-1]
	}
	var tasks []WinograndeTask
	for ln, line := range lines {
		t, err := parseWinograndeRow(line)
		if err != nil {
			if ln == 0 && isWinograndeHeader(line) {
				continue
			}
			return nil, 0, fmt.Errorf("winogrande file %s: line %d: %w", name, ln+1, err)
		}
		tasks = append(tasks, t)
	}
	if len(tasks) == 0 {
		return nil, 0, fmt.Errorf("winogrande file %s: no tasks (llama-perplexity reads no row of a one-row file without an empty line after it)", name)
	}
	return tasks, dropped, nil
}

func isWinograndeHeader(line string) bool {
	commas := winograndeCommas(line)
	if len(commas) != 4 {
		return false
	}
	_, numeric := parseLeadingInt(line[commas[3]+1:])
	return !numeric && !strings.Contains(line[commas[0]+1:commas[1]], "_")
}

// winograndeCommas returns the positions of the first four commas outside
// double quotes (a quote toggles the state, as upstream's scan does).
func winograndeCommas(line string) []int {
	var pos []int
	quote := false
	for i := 0; i < len(line) && len(pos) < 4; i++ {
		switch {
		case line[i] == '"':
			quote = !quote
		case line[i] == ',' && !quote:
			pos = append(pos, i)
		}
	}
	return pos
}

func parseWinograndeRow(line string) (WinograndeTask, error) {
	c := winograndeCommas(line)
	if len(c) != 4 {
		return WinograndeTask{}, fmt.Errorf("found %d field separators, want 4 (index,sentence,option1,option2,answer)", len(c))
	}
	var sentence string
	if line[c[0]+1] == '"' {
		if c[1]-c[0]-3 < 0 {
			return WinograndeTask{}, fmt.Errorf("quoted sentence %q is malformed", line[c[0]+1:c[1]])
		}
		sentence = line[c[0]+2 : c[0]+2+c[1]-c[0]-3]
	} else {
		sentence = line[c[0]+1 : c[1]]
	}
	t := WinograndeTask{Index: line[:c[0]]}
	t.Choices[0] = line[c[1]+1 : c[2]]
	t.Choices[1] = line[c[2]+1 : c[3]]
	answer := line[c[3]+1:]
	where := strings.IndexByte(sentence, '_')
	if where < 0 {
		return WinograndeTask{}, fmt.Errorf("sentence %q has no blank \"_\"", sentence)
	}
	a, ok := parseLeadingInt(answer)
	if !ok || a < 1 || a > 2 {
		return WinograndeTask{}, fmt.Errorf("answer %q is not 1 or 2", answer)
	}
	for j, ch := range t.Choices {
		if ch == "" {
			return WinograndeTask{}, fmt.Errorf("option%d is empty", j+1)
		}
	}
	t.First, t.Second, t.Answer = sentence[:where], sentence[where+1:], a
	return t, nil
}

// WriteWinogrande writes tasks as the CSV upstream reads, one row per task
// ending in '\n', then an empty line (see ReadWinogrande). The sentence is
// quoted when it would not read back otherwise;
// a task whose fields cannot round-trip through upstream's reader (a
// newline anywhere, a comma or quote in an option, an odd number of quotes
// in the sentence, an answer not 1 or 2) is an error naming the task.
func WriteWinogrande(w io.Writer, tasks []WinograndeTask) error {
	bw := bufio.NewWriter(w)
	for i, t := range tasks {
		row, err := winograndeRow(i, t)
		if err != nil {
			return fmt.Errorf("winogrande task %d: %w", i, err)
		}
		bw.WriteString(row)
	}
	bw.WriteByte('\n') // so that llama-perplexity reads the last row
	return bw.Flush()
}

func winograndeRow(i int, t WinograndeTask) (string, error) {
	if t.Answer != 1 && t.Answer != 2 {
		return "", fmt.Errorf("answer %d is not 1 or 2", t.Answer)
	}
	index := t.Index
	if index == "" {
		index = strconv.Itoa(i)
	}
	if strings.ContainsAny(index, ",\"\n") {
		return "", fmt.Errorf("index %q holds a comma, quote or newline", index)
	}
	s := t.Sentence()
	if strings.Contains(s, "\n") {
		return "", fmt.Errorf("sentence holds a newline")
	}
	if strings.Count(s, `"`)%2 != 0 {
		return "", fmt.Errorf("sentence %q holds an odd number of double quotes, which upstream's CSV reader cannot take", s)
	}
	for j, ch := range t.Choices {
		if ch == "" {
			return "", fmt.Errorf("option%d is empty", j+1)
		}
		if strings.ContainsAny(ch, ",\"\n") {
			return "", fmt.Errorf("option%d %q holds a comma, quote or newline, which upstream's CSV reader cannot take", j+1, ch)
		}
	}
	// plain when it reads back so, else quoted (a comma outside quotes)
	for _, field := range []string{s, `"` + s + `"`} {
		row := index + "," + field + "," + t.Choices[0] + "," + t.Choices[1] + "," + strconv.Itoa(t.Answer) + "\n"
		back, err := parseWinograndeRow(row[:len(row)-1])
		if err == nil && back.First == t.First && back.Second == t.Second && back.Choices == t.Choices {
			return row, nil
		}
	}
	return "", fmt.Errorf("sentence %q would not read back as written (quotes and commas upstream's CSV reader cannot take)", s)
}
