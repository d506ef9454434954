package spec

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/calibkit/calibkit/mix"
)

// nameRe is what a source, variant or eval-set name may hold: it becomes
// part of cell IDs and file names.
var nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

// at returns the node at a path of mapping keys (string) and sequence
// indexes (int) under n, or the deepest one found.
func at(n *yaml.Node, path ...any) *yaml.Node {
	for _, p := range path {
		if n == nil {
			return nil
		}
		switch p := p.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return n
			}
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == p {
					next = n.Content[i+1]
				}
			}
			if next == nil {
				return n
			}
			n = next
		case int:
			if n.Kind != yaml.SequenceNode || p >= len(n.Content) {
				return n
			}
			n = n.Content[p]
		}
	}
	return n
}

func (s *Spec) errAt(path []any, format string, args ...any) error {
	return s.placed(path, format, args...)
}

// placed is an Error at the node a path names.
func (s *Spec) placed(path []any, format string, args ...any) *Error {
	e := &Error{File: s.File, Msg: fmt.Sprintf(format, args...)}
	if n := at(s.root, path...); n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	return e
}

func p(path ...any) []any { return path }

func (s *Spec) check(root *yaml.Node) error {
	s.root = root
	if s.Model == "" {
		return s.errAt(nil, "no model: add model: PATH.gguf or model: hf://OWNER/REPO/FILE.gguf")
	}
	if len(s.Imatrix) == 0 || len(s.Variants) == 0 || len(s.Eval)+len(s.Tasks) == 0 {
		return s.errAt(nil, "a study needs imatrix sources, variants and eval sets or task sets (keys imatrix, variants, eval, tasks)")
	}
	if s.Settings.Ctx == 0 {
		s.Settings.Ctx = 512
	}
	if s.Settings.Batch == 0 {
		s.Settings.Batch = 2048
	}
	switch s.Settings.FlashAttn {
	case "", "on", "off", "auto":
	default:
		return s.errAt(p("settings", "flash_attn"), "flash_attn is on, off or auto, not %q", s.Settings.FlashAttn)
	}
	switch s.Settings.EvalParseSpecial {
	case "", "auto", "off":
	default:
		return s.errAt(p("settings", "eval_parse_special"), "eval_parse_special is auto or off, not %q", s.Settings.EvalParseSpecial)
	}
	st := s.Settings
	switch {
	case st.Ctx < 8:
		return s.errAt(p("settings", "ctx"), "ctx must be at least 8, not %d", st.Ctx)
	case st.Batch < 1:
		return s.errAt(p("settings", "batch"), "batch must be positive")
	case st.Threads < 0:
		return s.errAt(p("settings", "threads"), "threads must be 0 (the physical cores) or more")
	case st.Chunks < -1 || st.ImatrixChunks < -1:
		return s.errAt(p("settings"), "chunks and imatrix_chunks must be positive, or 0 / -1 for all")
	}
	names := map[string]bool{}
	for i := range s.Imatrix {
		if err := s.checkSource(i, names); err != nil {
			return err
		}
	}
	if s.Settings.Baseline == "" {
		s.Settings.Baseline = s.Imatrix[0].Name
	} else if name, _, _ := strings.Cut(s.Settings.Baseline, "@"); !names[name] {
		return s.errAt(p("settings", "baseline"), "baseline %q names no imatrix source", s.Settings.Baseline)
	}
	vnames := map[string]bool{}
	for i, v := range s.Variants {
		switch {
		case !nameRe.MatchString(v.Name):
			return s.errAt(p("variants", i), "variant name %q: want letters, digits and . _ + - (e.g. M)", v.Name)
		case vnames[v.Name]:
			return s.errAt(p("variants", i), "variant %q is given twice", v.Name)
		case v.Type == "":
			return s.errAt(p("variants", i), "variant %s has no type (e.g. type: Q4_K_M)", v.Name)
		}
		for _, tt := range v.TensorTypes {
			if k, t, ok := strings.Cut(tt, "="); !ok || k == "" || t == "" {
				return s.errAt(p("variants", i, "tensor_types"), "tensor type %q: want PATTERN=TYPE, e.g. attn_v=q8_0", tt)
			}
		}
		vnames[v.Name] = true
	}
	enames := map[string]bool{}
	for i, e := range s.Eval {
		switch {
		case !nameRe.MatchString(e.Name):
			return s.errAt(p("eval", i), "eval set name %q: want letters, digits and . _ + - (e.g. ja-wiki)", e.Name)
		case enames[e.Name]:
			return s.errAt(p("eval", i), "eval set %q is given twice", e.Name)
		case (e.File == "") == (e.Build == nil):
			return s.errAt(p("eval", i), "eval set %s: give exactly one of file and build", e.Name)
		}
		if b := e.Build; b != nil {
			if b.From == "" || (b.Like == "") == (b.Bytes == "") {
				return s.errAt(p("eval", i, "build"), "eval build %s: give from, and exactly one of like and bytes", e.Name)
			}
			if b.Bytes != "" {
				if _, err := mix.ParseSize(b.Bytes); err != nil {
					return s.errAt(p("eval", i, "build", "bytes"), "bytes: %v", err)
				}
			}
			if _, err := mix.ParseUnit(orDefault(b.Unit, "bytes")); err != nil {
				return s.errAt(p("eval", i, "build", "unit"), "unit: %v", err)
			}
			if _, err := mix.ParseFormat(orDefault(b.Format, "wikitext")); err != nil {
				return s.errAt(p("eval", i, "build", "format"), "format: %v", err)
			}
		}
		enames[e.Name] = true
	}
	return s.checkTasks(enames)
}

// TaskModes are the task kinds a task set may name.
var TaskModes = []string{"hellaswag", "winogrande", "multiple-choice"}

func (s *Spec) checkTasks(enames map[string]bool) error {
	tnames := map[string]bool{}
	for i, t := range s.Tasks {
		switch {
		case !nameRe.MatchString(t.Name):
			return s.errAt(p("tasks", i), "task set name %q: want letters, digits and . _ + - (e.g. jcqa)", t.Name)
		case tnames[t.Name]:
			return s.errAt(p("tasks", i), "task set %q is given twice", t.Name)
		case enames[t.Name]:
			return s.errAt(p("tasks", i), "task set %q has the name of an eval set: cell IDs must tell them apart", t.Name)
		case t.File == "":
			return s.errAt(p("tasks", i), "task set %s has no file (a llama-perplexity task file, e.g. from calibkit tasks build)", t.Name)
		case !slices.Contains(TaskModes, t.Mode):
			return s.errAt(p("tasks", i, "mode"), "task set %s: mode is %s, not %q", t.Name, strings.Join(TaskModes, ", "), t.Mode)
		case t.Tasks < 0:
			return s.errAt(p("tasks", i, "tasks"), "task set %s: tasks must be 0 (upstream's default) or more", t.Name)
		case t.Parallel < 0:
			return s.errAt(p("tasks", i, "parallel"), "task set %s: parallel must be 0 (upstream's default) or more", t.Name)
		}
		tnames[t.Name] = true
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (s *Spec) checkSource(i int, names map[string]bool) error {
	src := &s.Imatrix[i]
	here := p("imatrix", i)
	n := 0
	for _, set := range []bool{src.None, src.File != "", src.Text != "", src.Mix != nil, src.Sweep != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return s.errAt(here, "imatrix source %q: give exactly one of none, file, text, mix and sweep", src.Name)
	}
	if !nameRe.MatchString(src.Name) {
		return s.errAt(here, "imatrix source name %q: want letters, digits and . _ + - (e.g. plus-ja)", src.Name)
	}
	if names[src.Name] {
		return s.errAt(here, "imatrix source %q is given twice", src.Name)
	}
	names[src.Name] = true
	if m := src.Mix; m != nil {
		here = append(here, "mix")
		if m.Base == "" || len(m.Add) == 0 {
			return s.errAt(here, "mix %s: give base and add (NAME: CORPUS)", src.Name)
		}
		if (len(m.Factor) > 0) == (len(m.Share) > 0) {
			return s.errAt(here, "mix %s: give factor or share (with total), not both", src.Name)
		}
		if len(m.Share) > 0 {
			if _, err := mix.ParseSize(m.Total); err != nil {
				return s.errAt(append(here, "total"), "mix %s: share needs total: %v", src.Name, err)
			}
			sum := 0.0
			for _, v := range m.Share {
				if v < 0 || v > 1 {
					return s.errAt(append(here, "share"), "mix %s: a share is between 0 and 1, got %g", src.Name, v)
				}
				sum += v
			}
			if sum > 1+1e-9 {
				return s.errAt(append(here, "share"), "mix %s: shares sum to %g, above 1", src.Name, sum)
			}
		} else if m.Total != "" {
			return s.errAt(append(here, "total"), "mix %s: total goes with share; factor sizes the mix from the base", src.Name)
		}
		for name := range m.Add {
			_, f := m.Factor[name]
			_, sh := m.Share[name]
			if !f && !sh || name == "base" {
				return s.errAt(append(here, "add"), "mix %s: added corpus %q has no factor or share (and may not be called base)", src.Name, name)
			}
		}
		for name, v := range m.Factor {
			if _, ok := m.Add[name]; !ok || v < 0 || math.IsNaN(v) {
				return s.errAt(append(here, "factor"), "mix %s: factor %s=%g names no added corpus or is negative", src.Name, name, v)
			}
		}
		for name := range m.Share {
			if _, ok := m.Add[name]; !ok {
				return s.errAt(append(here, "share"), "mix %s: share %s names no added corpus", src.Name, name)
			}
		}
		if _, err := mix.ParseUnit(orDefault(m.Unit, "bytes")); err != nil {
			return s.errAt(append(here, "unit"), "unit: %v", err)
		}
	}
	if w := src.Sweep; w != nil {
		here = append(here, "sweep")
		if w.Base == "" || len(w.Add) != 1 {
			return s.errAt(here, "sweep %s: give base and exactly one added corpus (add: {ja: ja.jsonl})", src.Name)
		}
		if err := mix.CheckShares(w.Shares); err != nil {
			return s.errAt(append(here, "shares"), "sweep %s: shares: %v", src.Name, err)
		}
		if _, err := mix.ParseSize(w.Total); err != nil {
			return s.errAt(append(here, "total"), "sweep %s: total: %v", src.Name, err)
		}
		if w.Repeats < 0 {
			return s.errAt(append(here, "repeats"), "sweep %s: repeats must be at least 1", src.Name)
		}
		if w.Repeats == 0 {
			w.Repeats = 1
		}
		if _, err := mix.ParseUnit(orDefault(w.Unit, "bytes")); err != nil {
			return s.errAt(append(here, "unit"), "unit: %v", err)
		}
	}
	return nil
}

// Resolve makes the spec's relative paths relative to dir and checks that
// every input exists, naming the key of the first that does not (an
// *InputError).
func (s *Spec) Resolve(dir string) error {
	check := func(path []any, f *string, what string) error {
		if *f == "" || strings.HasPrefix(*f, HFPrefix) {
			return nil
		}
		if !filepath.IsAbs(*f) {
			*f = filepath.Join(dir, *f)
		}
		if _, err := os.Stat(*f); err != nil {
			return &InputError{s.placed(path, "%s %s does not exist (paths are relative to the spec's folder)", what, *f)}
		}
		return nil
	}
	errs := []error{
		check(p("model"), &s.Model, "model"),
		check(p("settings", "kld_base"), &s.Settings.KLDBase, "KLD base model"),
		check(p("llama_cpp"), &s.LlamaCpp, "llama.cpp folder"),
	}
	for i := range s.Imatrix {
		src := &s.Imatrix[i]
		errs = append(errs, check(p("imatrix", i, "file"), &src.File, "imatrix file"), check(p("imatrix", i, "text"), &src.Text, "calibration text"))
		// a mix's or a sweep's base, corpora and exclude manifests
		recipe := func(kind string, base *string, add map[string]string, exclude []string) {
			errs = append(errs, check(p("imatrix", i, kind, "base"), base, kind+" base"))
			for k, v := range add {
				errs = append(errs, check(p("imatrix", i, kind, "add", k), &v, "corpus"))
				add[k] = v
			}
			for j := range exclude {
				errs = append(errs, check(p("imatrix", i, kind, "exclude", j), &exclude[j], "exclude manifest"))
			}
		}
		if m := src.Mix; m != nil {
			recipe("mix", &m.Base, m.Add, m.Exclude)
		}
		if w := src.Sweep; w != nil {
			recipe("sweep", &w.Base, w.Add, w.Exclude)
		}
	}
	for i := range s.Eval {
		e := &s.Eval[i]
		errs = append(errs, check(p("eval", i, "file"), &e.File, "eval file"))
		if b := e.Build; b != nil {
			errs = append(errs, check(p("eval", i, "build", "from"), &b.From, "corpus"), check(p("eval", i, "build", "like"), &b.Like, "like file"))
			for j := range b.Exclude {
				errs = append(errs, check(p("eval", i, "build", "exclude", j), &b.Exclude[j], "exclude manifest"))
			}
		}
	}
	for i := range s.Tasks {
		errs = append(errs, check(p("tasks", i, "file"), &s.Tasks[i].File, "task file"))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
