package tasks

// Summarize returns the score of mode made of items, in the order scored,
// with the accuracy, standard error and Wilson interval computed as Score
// computes them; a study engine that reads per-task outcomes from
// llama-perplexity's printed lines uses it.
func Summarize(mode Mode, items []Item) *Result {
	r := &Result{Mode: mode, Items: items, Available: len(items)}
	r.finish()
	return r
}
