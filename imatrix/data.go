// Package imatrix holds importance matrices: the data llama.cpp's imatrix
// tool collects, the GGUF and legacy .dat files that store it, the collector
// that computes it through llama.cpp, and the statistics that compare files.
package imatrix

// Entry is one weight's accumulated statistics. A dense weight has one
// matrix; a mixture-of-experts weight has one matrix per expert.
type Entry struct {
	// Name is the weight's tensor name, e.g. "blk.0.attn_q.weight".
	Name string
	// Cols is the number of input columns of each matrix (the weight's ne0).
	Cols int
	// Sums holds Σx² per input column, matrix after matrix: Sums[m*Cols+j].
	Sums []float32
	// Activations holds Σx per input column in the same layout (the
	// optional "<name>.in_sum" tensors); nil when the file has none.
	Activations []float32
	// Counts holds, per matrix, how many activation rows were summed.
	Counts []int64
}

// NMat returns the number of matrices (experts) of the entry.
func (e *Entry) NMat() int { return len(e.Counts) }

// Data is a whole importance matrix with its metadata.
type Data struct {
	// Datasets names the calibration texts the data was collected from.
	Datasets []string
	// ChunkCount is the number of chunks collected.
	ChunkCount int
	// ChunkSize is the number of tokens per chunk (n_ctx).
	ChunkSize int
	// Entries holds one entry per weight, sorted by name.
	Entries []*Entry
}
