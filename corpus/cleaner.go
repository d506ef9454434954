package corpus

// Cleaner runs the per-document steps of a build (normalization, clean-up,
// segmentation, length filter) on documents a caller holds in memory.
// De-duplication, which needs the whole run in order, is left to the
// caller. A Cleaner is not safe for concurrent use; make one per goroutine.
type Cleaner struct {
	w  *worker
	st Stats
}

// NewCleaner returns a Cleaner with the options of a build (Dedup,
// Workers and Progress are ignored).
func NewCleaner(opts Options) (*Cleaner, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	split, filter, err := stages(&opts)
	if err != nil {
		return nil, err
	}
	opts.Dedup = false
	o := opts
	return &Cleaner{w: newWorker(&o, newHeadingSet(o.Clean.TrailingSections, o.Normalize.NFKC), split, filter)}, nil
}

// Clean returns the cleaned paragraphs of doc, each as its units:
// sentences with SegmentSentences, else the paragraph itself. Paragraphs
// left without units are omitted.
func (c *Cleaner) Clean(doc Document) [][]string {
	cd := c.w.process(doc, &c.st)
	c.st.DocumentsRead++
	var out [][]string
	for i, u := range cd.units {
		if i == 0 || u.para != cd.units[i-1].para {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], u.text)
	}
	return out
}

// Stats returns what the Cleaner has read and removed so far.
func (c *Cleaner) Stats() Stats { return c.st }
