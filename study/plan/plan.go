// Package plan turns a study spec into its cells (imatrix source × variant
// × eval set) and the graph of steps they need (mix or sweep → imatrix →
// quantize → perplexity, eval builds, KL-divergence bases), each step
// keyed by a hash of its inputs' contents and every parameter that
// changes its output, so the same spec gives the same cells, steps and
// keys on every host.
package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/calibkit/calibkit/study/spec"
	"github.com/calibkit/calibkit/study/stepcache"
)

// Step kinds.
const (
	KindEval     = "eval"     // an eval set built from a corpus
	KindMix      = "mix"      // one calibration mix
	KindSweep    = "sweep"    // one repeat of a sweep: a mix per share
	KindImatrix  = "imatrix"  // an importance matrix from a text
	KindQuantize = "quantize" // a quantized model
	KindPPL      = "ppl"      // perplexity of a quant on an eval set
	KindKLDBase  = "kldbase"  // the base model's log-probabilities on an eval set
	KindKLD      = "kld"      // KL divergence of a quant against a base
	KindTask     = "task"     // a quant scored on a task set
)

// Step is one node of the graph.
type Step struct {
	// ID names the step for people ("imatrix:plus-ja"); Key is its
	// action key, the name of its cache entry.
	ID   string `json:"id"`
	Kind string `json:"kind"`
	Key  string `json:"key"`
	// Deps are the IDs of the steps whose outputs it reads.
	Deps []string `json:"deps,omitempty"`

	// What the step works on (by kind).
	Source  *Source       `json:"-"`
	Variant *spec.Variant `json:"-"`
	Eval    *Eval         `json:"-"`
	Task    *spec.TaskSet `json:"-"`
	// File, for an imatrix step of a sweep, is the share's file name in
	// the sweep step's folder.
	File string `json:"-"`
	// Repeat is the sweep repeat (0-based) of a sweep step.
	Repeat int `json:"-"`

	depends *stepcache.Key
}

// Depends returns what the key was made of.
func (s *Step) Depends() *stepcache.Key { return s.depends }

// Source is one imatrix source of the cells: a spec source, or one share
// (and repeat) of a sweep.
type Source struct {
	// ID names it in cell IDs: the spec name, or NAME@SHARE (NAME@SHARE#R
	// for repeat R of several, from 1).
	ID   string       `json:"id"`
	Spec *spec.Source `json:"-"`
	// Kind is none, file, text, mix or sweep.
	Kind   string   `json:"kind"`
	Share  *float64 `json:"share,omitempty"`
	Repeat int      `json:"repeat,omitempty"` // from 1 for sweeps
	// Imatrix is the step that makes its imatrix ("" for none and file).
	Imatrix string `json:"imatrix_step,omitempty"`
	// Text is the calibration step's ID (mix or sweep), "" for text.
	Text string `json:"text_step,omitempty"`
}

// Eval is one eval set.
type Eval struct {
	Name string        `json:"name"`
	Spec *spec.EvalSet `json:"-"`
	// Build is the eval step's ID when the set is built.
	Build string `json:"build_step,omitempty"`
	// ParseSpecial says perplexity and KL divergence tokenize its text
	// with special tokens parsed: the text is chat-formatted and the
	// study's eval_parse_special is not off (ParseSpecialOf).
	ParseSpecial bool `json:"parse_special,omitempty"`
}

// Cell is one row of the results: a source, a variant, and an eval set
// or a task set (Eval or Task; the other is "").
type Cell struct {
	Index   int    `json:"index"`
	ID      string `json:"id"`
	Source  string `json:"source"`
	Variant string `json:"variant"`
	Eval    string `json:"eval,omitempty"`
	Task    string `json:"task,omitempty"`
	// PPL and KLD are an eval cell's final steps (KLD "" without a
	// base); TaskStep a task cell's.
	PPL      string `json:"ppl_step,omitempty"`
	KLD      string `json:"kld_step,omitempty"`
	TaskStep string `json:"task_step,omitempty"`
}

// Final returns the step whose result is the cell's record.
func (c *Cell) Final() string {
	if c.TaskStep != "" {
		return c.TaskStep
	}
	return c.PPL
}

// Plan is a study's cells and steps.
type Plan struct {
	Spec *spec.Spec `json:"-"`
	// SpecFile is the spec's absolute path, so that what reads the study
	// folder later (calibkit export model-card) finds the spec it ran.
	SpecFile string    `json:"spec_file,omitempty"`
	Engine   string    `json:"engine"`
	Cells    []*Cell   `json:"cells"`
	Sources  []*Source `json:"sources"`
	Evals    []*Eval   `json:"evals"`
	// Baseline is the source every other is compared with: the spec's
	// baseline, a sweep's first share and repeat when it names a sweep.
	Baseline string `json:"baseline"`
	// Steps in an order where every step comes after its deps.
	Steps []*Step `json:"steps"`
	// Hash names the plan: the same spec and inputs give the same hash on
	// every host (see hash). A scheduler's array is submitted with it, so
	// that its tasks refuse a spec changed after the submission.
	Hash string `json:"hash"`

	byID map[string]*Step
}

// Step returns a step by ID.
func (p *Plan) Step(id string) *Step { return p.byID[id] }

// Cell finds a cell by index ("3") or ID ("plus-ja/M/ja-wiki").
func (p *Plan) Cell(arg string) (*Cell, error) {
	for _, c := range p.Cells {
		if c.ID == arg {
			return c, nil
		}
	}
	var i int
	if _, err := fmt.Sscanf(arg, "%d", &i); err == nil && fmt.Sprint(i) == arg {
		if i < 0 || i >= len(p.Cells) {
			return nil, &CellError{msg: fmt.Sprintf("cell %d is out of range: the study has cells 0 to %d (calibkit study plan lists them)", i, len(p.Cells)-1), PastEnd: i >= len(p.Cells)}
		}
		return p.Cells[i], nil
	}
	return nil, &CellError{msg: fmt.Sprintf("no cell %q: give an index 0 to %d or an ID such as %s (calibkit study plan lists them)", arg, len(p.Cells)-1, p.Cells[0].ID)}
}

// CellError is a --cell that names no cell of the plan. PastEnd is set
// for an index past the last cell (a scheduler's array larger than the
// plan).
type CellError struct {
	msg     string
	PastEnd bool
}

func (e *CellError) Error() string { return e.msg }

// Needs returns the steps a set of cells needs, deps first.
func (p *Plan) Needs(cells ...*Cell) []*Step {
	want := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		if id == "" || want[id] {
			return
		}
		want[id] = true
		for _, d := range p.byID[id].Deps {
			visit(d)
		}
	}
	for _, c := range cells {
		visit(c.PPL)
		visit(c.KLD)
		visit(c.TaskStep)
	}
	var out []*Step
	for _, s := range p.Steps {
		if want[s.ID] {
			out = append(out, s)
		}
	}
	return out
}

// Options are what the plan needs beyond the spec.
type Options struct {
	// Engine is the engine's identity: part of every model step's key.
	Engine string
	// Model is the resolved model path (the spec's may be hf://).
	Model  string
	Hasher *stepcache.Hasher
}

func (p *Plan) add(s *Step, k *stepcache.Key) *Step {
	for _, d := range s.Deps {
		k.Param("dep:"+p.byID[d].Kind+":"+d, p.byID[d].Key)
	}
	s.depends = k
	s.Key = k.Sum()
	p.byID[s.ID] = s
	p.Steps = append(p.Steps, s)
	return s
}

func shareID(name string, share float64, repeat, repeats int) string {
	id := fmt.Sprintf("%s@%g", name, share)
	if repeats > 1 {
		id += fmt.Sprintf("#%d", repeat+1)
	}
	return id
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func joinID(parts ...string) string { return strings.Join(parts, "/") }
