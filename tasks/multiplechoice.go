package tasks

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// MultipleChoiceTask is one task of llama-perplexity's binary
// multiple-choice file: a question (or context to continue) and answers
// with labels, in two sets as upstream stores them. Only the first set (one
// correct answer, label 1) is scored; the second (several correct answers)
// is read and written back but, as upstream, not used.
type MultipleChoiceTask struct {
	Question string
	Answers  []string
	Labels   []int32
	// MC2Answers and MC2Labels are the second set, usually empty.
	MC2Answers []string
	MC2Labels  []int32
}

// maxAnswers is upstream's limit on answers per set.
const maxAnswers = 100

// MultipleChoiceFile is a multiple-choice file in memory: its raw bytes and
// the task offsets of its index, so that tasks are decoded only when
// selected, as upstream reads them.
type MultipleChoiceFile struct {
	Name string
	data []byte
	pos  []uint32
}

// OpenMultipleChoice reads a multiple-choice file: a little-endian uint32
// task count, that many uint32 byte offsets, then the tasks, each a string
// (uint32 length + bytes) and two answer sets (uint32 count ≤ 100, that many
// strings, that many int32 labels). It checks the header; Task decodes one
// task and checks it.
func OpenMultipleChoice(r io.Reader, name string) (*MultipleChoiceFile, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read multiple-choice file %s: %w", name, err)
	}
	if len(data) < 4 {
		return nil, fmt.Errorf("multiple-choice file %s: %d bytes, too short for the task count (truncated or empty file)", name, len(data))
	}
	n := binary.LittleEndian.Uint32(data)
	if n == 0 {
		return nil, fmt.Errorf("multiple-choice file %s: no tasks", name)
	}
	if uint64(len(data)) < 4+4*uint64(n) {
		return nil, fmt.Errorf("multiple-choice file %s: says %d tasks but %d bytes cannot hold their index (truncated file, or not a multiple-choice file?)", name, n, len(data))
	}
	f := &MultipleChoiceFile{Name: name, data: data, pos: make([]uint32, n)}
	for i := range f.pos {
		f.pos[i] = binary.LittleEndian.Uint32(data[4+4*i:])
		if uint64(f.pos[i]) >= uint64(len(data)) {
			return nil, fmt.Errorf("multiple-choice file %s: task %d starts at byte %d, past the end of the %d-byte file (truncated file?)", name, i, f.pos[i], len(data))
		}
	}
	return f, nil
}

// Len returns the number of tasks.
func (f *MultipleChoiceFile) Len() int { return len(f.pos) }

// Task decodes task i from its index offset. Errors name the task, its
// offset and what is wrong: truncated data, more than 100 answers, a label
// count that does not match, an empty question or answer, or no answer
// labelled 1.
func (f *MultipleChoiceFile) Task(i int) (MultipleChoiceTask, error) {
	if i < 0 || i >= len(f.pos) {
		return MultipleChoiceTask{}, fmt.Errorf("multiple-choice file %s: no task %d (it has %d)", f.Name, i, len(f.pos))
	}
	t, _, err := decodeTask(f.data, int(f.pos[i]))
	if err == nil {
		err = checkTask(t)
	}
	if err != nil {
		return MultipleChoiceTask{}, fmt.Errorf("multiple-choice file %s: task %d (byte %d): %w", f.Name, i, f.pos[i], err)
	}
	return t, nil
}

// Sequential decodes the tasks one after another from the first offset, as
// upstream does when it scores all tasks (it then ignores the other
// offsets).
func (f *MultipleChoiceFile) Sequential() ([]MultipleChoiceTask, error) {
	tasks := make([]MultipleChoiceTask, len(f.pos))
	off := 4 + 4*len(f.pos)
	for i := range tasks {
		t, next, err := decodeTask(f.data, off)
		if err == nil {
			err = checkTask(t)
		}
		if err != nil {
			return nil, fmt.Errorf("multiple-choice file %s: task %d (byte %d): %w", f.Name, i, off, err)
		}
		tasks[i], off = t, next
	}
	return tasks, nil
}

var errTruncated = errors.New("the data ends inside the task (truncated file?)")

type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) u32() uint32 {
	if d.err != nil {
		return 0
	}
	if d.off+4 > len(d.b) {
		d.err = errTruncated
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b[d.off:])
	d.off += 4
	return v
}

func (d *decoder) str() string {
	n := d.u32()
	if d.err != nil {
		return ""
	}
	if uint64(d.off)+uint64(n) > uint64(len(d.b)) {
		d.err = errTruncated
		return ""
	}
	s := string(d.b[d.off : d.off+int(n)])
	d.off += int(n)
	return s
}

func (d *decoder) set(which string) ([]string, []int32) {
	n := d.u32()
	if d.err != nil {
		return nil, nil
	}
	if n > maxAnswers {
		d.err = fmt.Errorf("%s: %d answers, more than upstream's limit of %d (not a multiple-choice file?)", which, n, maxAnswers)
		return nil, nil
	}
	if n == 0 {
		return nil, nil
	}
	answers := make([]string, n)
	for k := range answers {
		answers[k] = d.str()
	}
	labels := make([]int32, n)
	for k := range labels {
		labels[k] = int32(d.u32())
	}
	return answers, labels
}

func decodeTask(b []byte, off int) (MultipleChoiceTask, int, error) {
	d := &decoder{b: b, off: off}
	var t MultipleChoiceTask
	t.Question = d.str()
	t.Answers, t.Labels = d.set("first answer set")
	t.MC2Answers, t.MC2Labels = d.set("second answer set")
	return t, d.off, d.err
}

// checkTask refuses what upstream refuses (an empty question, no answers,
// an empty answer) and what it would score silently wrong (no answer with
// label 1).
func checkTask(t MultipleChoiceTask) error {
	if t.Question == "" {
		return errors.New("the question is empty")
	}
	if len(t.Answers) == 0 {
		return errors.New("no answers")
	}
	if len(t.Labels) != len(t.Answers) {
		return fmt.Errorf("%d labels for %d answers", len(t.Labels), len(t.Answers))
	}
	if len(t.MC2Labels) != len(t.MC2Answers) {
		return fmt.Errorf("second set: %d labels for %d answers", len(t.MC2Labels), len(t.MC2Answers))
	}
	correct := 0
	for k, a := range t.Answers {
		if a == "" {
			return fmt.Errorf("answer %d is empty", k)
		}
		if t.Labels[k] == 1 {
			correct++
		}
	}
	if correct == 0 {
		return errors.New("no answer is labelled 1 (correct): every score would count as wrong")
	}
	return nil
}

// WriteMultipleChoice writes tasks in the binary format, offsets first. A
// task upstream would refuse is an error naming it.
func WriteMultipleChoice(w io.Writer, tasks []MultipleChoiceTask) error {
	if len(tasks) == 0 {
		return errors.New("multiple-choice file: no tasks")
	}
	sizes := make([]uint64, len(tasks))
	off := 4 + 4*uint64(len(tasks))
	for i, t := range tasks {
		if err := checkTask(t); err != nil {
			return fmt.Errorf("multiple-choice task %d: %w", i, err)
		}
		if len(t.Answers) > maxAnswers || len(t.MC2Answers) > maxAnswers {
			return fmt.Errorf("multiple-choice task %d: more than %d answers", i, maxAnswers)
		}
		sizes[i] = encodedSize(t)
		if off > math.MaxUint32 {
			return fmt.Errorf("multiple-choice task %d starts past 4 GiB, the format's limit", i)
		}
		off += sizes[i]
	}
	bw := bufio.NewWriter(w)
	var b4 [4]byte
	put := func(v uint32) {
		binary.LittleEndian.PutUint32(b4[:], v)
		bw.Write(b4[:])
	}
	put(uint32(len(tasks)))
	off = 4 + 4*uint64(len(tasks))
	for i := range tasks {
		put(uint32(off))
		off += sizes[i]
	}
	str := func(s string) {
		put(uint32(len(s)))
		bw.WriteString(s)
	}
	for _, t := range tasks {
		str(t.Question)
		for _, set := range []struct {
			a []string
			l []int32
		}{{t.Answers, t.Labels}, {t.MC2Answers, t.MC2Labels}} {
			put(uint32(len(set.a)))
			for _, a := range set.a {
				str(a)
			}
			for _, l := range set.l {
				put(uint32(l))
			}
		}
	}
	return bw.Flush()
}

func encodedSize(t MultipleChoiceTask) uint64 {
	n := 4 + uint64(len(t.Question))
	for _, set := range [][]string{t.Answers, t.MC2Answers} {
		n += 4
		for _, a := range set {
			n += 4 + uint64(len(a)) + 4
		}
	}
	return n
}
