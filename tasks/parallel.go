package tasks

import (
	"fmt"
	"io"
)

// Sequence counts of llama-perplexity's task modes (tools/perplexity): the
// context gets max(4, -np) sequences ("at least enough seq_ids for
// HellaSwag"), and HellaSwag and multiple choice decode at most 4 × 32 of
// them at once (4 × max_tasks_per_batch), Winogrande 2 × 128.
const (
	DefaultParallel = 4
	maxChoiceSeqs   = 4 * 32
	maxWinoSeqs     = 2 * 128
)

// seqs returns the sequences the context gets for tasks whose largest has
// need candidates: max(4, Parallel) as upstream when Parallel is given,
// else enough for need (at least 4, at most what a batch decodes).
func (o Options) seqs(need int) int {
	if o.Parallel > 0 {
		return max(DefaultParallel, o.Parallel)
	}
	return max(DefaultParallel, min(need, maxChoiceSeqs))
}

// Parallel returns the -np that scoring the file in r (name in messages)
// in mode needs when nTasks tasks are scored as Score scores them (0: the
// mode's default count): the most candidates of any task scored, at least
// llama-perplexity's 4. HellaSwag (4 endings) and Winogrande (2 options)
// always need 4 and r is not read; a multiple-choice file needs its
// largest selected task's answer count (JCommonsenseQA: 5). With
// Options.Parallel 0, Score sizes its context the same way; llama-perplexity
// needs it given as -np.
func Parallel(mode Mode, r io.Reader, name string, nTasks int) (int, error) {
	switch mode {
	case Hellaswag, Winogrande:
		return DefaultParallel, nil
	case MultipleChoice:
		f, err := OpenMultipleChoice(r, name)
		if err != nil {
			return 0, err
		}
		all, _, err := f.selected(nTasks)
		if err != nil {
			return 0, err
		}
		return max(DefaultParallel, mostAnswers(all)), nil
	}
	return 0, fmt.Errorf("task mode %q: want hellaswag, winogrande or multiple-choice", mode)
}

// mostAnswers returns the largest answer count among tasks.
func mostAnswers(tasks []MultipleChoiceTask) int {
	n := 0
	for _, t := range tasks {
		n = max(n, len(t.Answers))
	}
	return n
}

// selected decodes the tasks that scoring n of them reads, as upstream
// reads them: all in file order when n is 0 or covers the file, else those
// its mt19937(1) selection picks, at their index offsets. It returns them
// with their indexes in the file.
func (f *MultipleChoiceFile) selected(n int) ([]MultipleChoiceTask, []int, error) {
	var index []int
	if n == 0 || n >= f.Len() {
		all, err := f.Sequential()
		if err != nil {
			return nil, nil, err
		}
		for i := range all {
			index = append(index, i)
		}
		return all, index, nil
	}
	index = selectScaled(f.Len(), n)
	all := make([]MultipleChoiceTask, 0, len(index))
	for _, idx := range index {
		t, err := f.Task(idx)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, t)
	}
	return all, index, nil
}
