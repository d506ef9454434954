package imatrix

import (
	"fmt"
	"sort"
	"strings"
)

// Activation is one matrix multiplication's input as an evaluation hook
// hands it over while llama.cpp computes a batch; *llama.Tensor implements
// it. Shapes are ggml's ne: columns first.
type Activation interface {
	// Indirect reports a MUL_MAT_ID (mixture-of-experts) node.
	Indirect() bool
	// Weight is the weight's tensor name as the graph has it.
	Weight() string
	// WeightShape is the weight's ne (src0).
	WeightShape() [4]int64
	// Shape is the activations' ne (src1).
	Shape() [4]int64
	// F32 reports float32 activations the accumulation can read.
	F32() bool
	// Accumulate adds Σx² (and Σx into sum unless nil) of every row into
	// per-matrix column sums and, for MUL_MAT_ID, counts the rows routed to
	// each expert, as described at llama.Tensor.Accumulate.
	Accumulate(sq, sum []float32, counts []int64) error
}

// CollectorOptions are the settings that decide what is collected.
type CollectorOptions struct {
	// ChunkSize is the number of tokens per chunk (n_ctx); chunk counts
	// are derived from it.
	ChunkSize int
	// ProcessOutput also collects output.weight (--process-output).
	ProcessOutput bool
	// Activations also collects Σx per column (the "<name>.in_sum"
	// tensors of later llama.cpp versions). llama-imatrix at the pinned
	// commit does not, so the default is off.
	Activations bool
}

// Collector accumulates importance-matrix statistics the way
// llama-imatrix's collector does. Activations observed during a decode are
// staged and only become part of the result on Commit, so that an
// interrupted or failed decode leaves no partial chunk behind. A Collector
// is not safe for concurrent use; the evaluation hook calls it from the
// decoding goroutine.
type Collector struct {
	opts     CollectorOptions
	total    map[string]*Entry
	pending  map[string]*Entry
	datasets []string
	chunks   string // the chunks being decoded, for error messages
}

// NewCollector returns an empty collector.
func NewCollector(opts CollectorOptions) *Collector {
	return &Collector{opts: opts, total: map[string]*Entry{}, pending: map[string]*Entry{}}
}

// FilterName removes the backend decorations a graph may put around a
// weight's name: "CUDA0#blk.0.attn_k.weight#0" becomes "blk.0.attn_k.weight".
func FilterName(name string) string {
	_, rest, ok := strings.Cut(name, "#")
	if !ok {
		return name
	}
	w, _, _ := strings.Cut(rest, "#")
	return w
}

// Want answers the scheduler's question for one node as llama-imatrix
// does: every MUL_MAT_ID; a MUL_MAT only when its activations are float32,
// span at least 16 rows (smaller micro-batches are skipped) and its weight
// is a block weight ("blk.*") or, with ProcessOutput, output.weight.
func (c *Collector) Want(a Activation) bool {
	if a.Indirect() {
		return true
	}
	if a.Shape()[1] < 16 || !a.F32() {
		return false
	}
	w := FilterName(a.Weight())
	return strings.HasPrefix(w, "blk.") || (c.opts.ProcessOutput && w == "output.weight")
}

// SetChunks names the chunks being decoded (e.g. "5-8"), for errors.
func (c *Collector) SetChunks(desc string) { c.chunks = desc }

// Observe stages the node's activations.
func (c *Collector) Observe(a Activation) error {
	name := FilterName(a.Weight())
	w, s := a.WeightShape(), a.Shape()
	cols := int(s[0])
	p, err := c.stage(name, a.Indirect(), cols, w)
	if err != nil {
		return err
	}
	var sum []float32
	if c.opts.Activations {
		sum = p.Activations
	}
	if a.Indirect() {
		err = a.Accumulate(p.Sums, sum, p.Counts)
	} else {
		err = a.Accumulate(p.Sums, sum, nil)
		nMat := w[2] * w[3]
		rows := s[1] * s[2] * s[3] / nMat
		for i := range p.Counts {
			p.Counts[i] += rows
		}
	}
	if err != nil {
		if c.chunks != "" {
			return fmt.Errorf("chunk %s: %w", c.chunks, err)
		}
		return err
	}
	return nil
}

// stage returns the pending entry for a weight, creating it with the shape
// the accumulated total implies and applying llama-imatrix's reshaping of
// the total (a single count for dense weights whose counts agree; one
// count per expert broadcast from a single loaded count).
func (c *Collector) stage(name string, indirect bool, cols int, w [4]int64) (*Entry, error) {
	if p := c.pending[name]; p != nil {
		return p, nil
	}
	nMat := int(w[2] * w[3])
	if indirect {
		nMat = int(w[2])
	}
	nVal := cols * nMat
	nCounts := 1
	if indirect {
		nCounts = nMat
	}
	if t := c.total[name]; t != nil {
		if len(t.Sums) != nVal {
			return nil, fmt.Errorf("inconsistent size for %s: %d values accumulated, this model gives %d", name, len(t.Sums), nVal)
		}
		switch {
		case indirect && len(t.Counts) == 1 && nMat > 1:
			t.Counts = broadcast(t.Counts[0], nMat)
		case indirect && len(t.Counts) != nMat:
			return nil, fmt.Errorf("inconsistent expert count for %s: %d accumulated, this model has %d", name, len(t.Counts), nMat)
		case !indirect && len(t.Counts) > 1 && allEqual(t.Counts):
			t.Counts = t.Counts[:1]
		}
		t.Cols = nVal / len(t.Counts)
		nCounts = len(t.Counts)
	}
	p := &Entry{Name: name, Cols: nVal / nCounts, Sums: make([]float32, nVal), Counts: make([]int64, nCounts)}
	if c.opts.Activations {
		p.Activations = make([]float32, nVal)
	}
	c.pending[name] = p
	return p, nil
}

// Commit makes the staged activations part of the result.
func (c *Collector) Commit() {
	for name, p := range c.pending {
		t := c.total[name]
		if t == nil {
			c.total[name] = p
			continue
		}
		for i, v := range p.Sums {
			t.Sums[i] += v
		}
		for i, v := range p.Counts {
			t.Counts[i] += v
		}
		if t.Activations != nil && p.Activations != nil {
			for i, v := range p.Activations {
				t.Activations[i] += v
			}
		} else {
			t.Activations = nil // Σx is only meaningful over everything summed
		}
	}
	clear(c.pending)
}

// staged returns the number of weights with activations staged.
func (c *Collector) staged() int { return len(c.pending) }

// Discard drops the staged activations (a decode that did not finish).
func (c *Collector) Discard() { clear(c.pending) }

// Add merges an earlier importance matrix into the result, with the rules
// of llama-imatrix's --in-file: sums and counts add up; a single count is
// broadcast over a weight's experts; sizes must otherwise agree. Its
// datasets are recorded before this run's.
func (c *Collector) Add(d *Data) error {
	if err := d.Validate(); err != nil {
		return err
	}
	for _, e := range d.Entries {
		t := c.total[e.Name]
		if t == nil {
			t = &Entry{Name: e.Name, Cols: e.Cols, Sums: make([]float32, len(e.Sums)), Counts: make([]int64, len(e.Counts))}
			if e.Activations != nil {
				t.Activations = make([]float32, len(e.Sums))
			}
			c.total[e.Name] = t
		}
		if len(t.Sums) != len(e.Sums) {
			return fmt.Errorf("mismatched sums size for %s: %d values, earlier files had %d", e.Name, len(e.Sums), len(t.Sums))
		}
		switch {
		case len(t.Counts) == 1 && len(e.Counts) > 1:
			t.Counts = broadcast(t.Counts[0], len(e.Counts))
			t.Cols = len(t.Sums) / len(t.Counts)
		case len(t.Counts) != len(e.Counts):
			return fmt.Errorf("mismatched counts size for %s: %d experts, earlier files had %d", e.Name, len(e.Counts), len(t.Counts))
		}
		for i, v := range e.Sums {
			t.Sums[i] += v
		}
		for i, v := range e.Counts {
			t.Counts[i] += v
		}
		if t.Activations != nil && e.Activations != nil {
			for i, v := range e.Activations {
				t.Activations[i] += v
			}
		} else {
			t.Activations = nil
		}
	}
	c.datasets = append(c.datasets, d.Datasets...)
	return nil
}

// ChunkCount returns the number of chunks the result holds, as
// llama-imatrix counts them: the largest count divided by the chunk size.
func (c *Collector) ChunkCount() int {
	var most int64
	for _, t := range c.total {
		for _, n := range t.Counts {
			most = max(most, n)
		}
	}
	if c.opts.ChunkSize <= 0 {
		return 0
	}
	return int(most / int64(c.opts.ChunkSize))
}

// Len returns the number of weights collected or loaded.
func (c *Collector) Len() int { return len(c.total) }

// Data returns a copy of the committed result, entries sorted by name, with
// dataset appended to the datasets of the files added (when not empty).
func (c *Collector) Data(dataset string) *Data {
	d := &Data{
		Datasets:   append([]string{}, c.datasets...),
		ChunkCount: c.ChunkCount(),
		ChunkSize:  c.opts.ChunkSize,
	}
	if dataset != "" {
		d.Datasets = append(d.Datasets, dataset)
	}
	names := make([]string, 0, len(c.total))
	for name := range c.total {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := c.total[name]
		e := &Entry{
			Name:   name,
			Cols:   len(t.Sums) / len(t.Counts),
			Sums:   append([]float32(nil), t.Sums...),
			Counts: append([]int64(nil), t.Counts...),
		}
		if t.Activations != nil {
			e.Activations = append([]float32(nil), t.Activations...)
		}
		d.Entries = append(d.Entries, e)
	}
	return d
}

func broadcast(v int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func allEqual(v []int64) bool {
	for _, x := range v[1:] {
		if x != v[0] {
			return false
		}
	}
	return true
}
