package modelcard

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/calibkit/calibkit/study/plan"
	"github.com/calibkit/calibkit/study/results"
	"github.com/calibkit/calibkit/study/spec"
)

// InputError is a study folder that cannot make a card: not a study, or
// one without a complete record.
type InputError struct {
	Path string
	Msg  string
}

func (e *InputError) Error() string { return e.Path + ": " + e.Msg }

// PlanFile is the study's plan in its folder (written by study run).
const PlanFile = "plan.json"

// folder is what a study folder holds, as read.
type folder struct {
	dir     string
	recs    []*results.Record // the last record of each perplexity cell, in cell order
	tasks   []*results.Record // the last record of each task-set cell
	skipped int               // lines of results.jsonl cut short or not records
	plan    *plan.Plan        // nil when plan.json is missing or unreadable
	planErr string
	spec    *spec.Spec // nil when the plan names no spec, or it cannot be read
	specErr string
}

// readFolder reads results.jsonl (through the study's own reader, which
// leaves out a last line cut short by a kill), plan.json and the spec
// plan.json names.
func readFolder(dir string) (*folder, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, &InputError{dir, "no such study folder (give the -o DIR of calibkit study run)"}
	}
	if !fi.IsDir() {
		return nil, &InputError{dir, "not a folder: give the study folder (the -o DIR of calibkit study run)"}
	}
	rp := filepath.Join(dir, results.FileName)
	if _, err := os.Stat(rp); errors.Is(err, fs.ErrNotExist) {
		return nil, &InputError{dir, "not a study folder: it has no " + results.FileName + " (run calibkit study run STUDY.yaml -o " + dir + " first)"}
	}
	recs, skipped, err := results.Read(rp)
	if err != nil {
		return nil, &InputError{rp, err.Error()}
	}
	if len(recs) == 0 {
		msg := "holds no record: the study has not finished a cell yet (run calibkit study run STUDY.yaml -o " + dir + ")"
		if skipped > 0 {
			msg = fmt.Sprintf("holds no complete record (%d line(s) cut short or not records): the study was killed or is still writing; run it again to finish its cells", skipped)
		}
		return nil, &InputError{rp, msg}
	}
	f := &folder{dir: dir, skipped: skipped}
	for _, r := range results.Latest(recs) {
		if r.Task != "" {
			f.tasks = append(f.tasks, r)
		} else {
			f.recs = append(f.recs, r)
		}
	}
	if len(f.recs) == 0 {
		return nil, &InputError{rp, "holds no perplexity record: a model card needs at least one eval set scored (run calibkit study run STUDY.yaml -o " + dir + " to finish the cells)"}
	}
	pp := filepath.Join(dir, PlanFile)
	if b, err := os.ReadFile(pp); err != nil {
		f.planErr = fmt.Sprintf("%s is missing (%v)", pp, errors.Unwrap(err))
	} else if p, err := parsePlan(b); err != nil {
		f.planErr = fmt.Sprintf("%s: %v", pp, err)
	} else {
		f.plan = p
	}
	if f.plan != nil && f.plan.SpecFile != "" {
		if s, err := spec.Load(f.plan.SpecFile); err != nil {
			f.specErr = err.Error()
		} else {
			f.spec = s
		}
	} else if f.plan != nil {
		f.specErr = pp + " names no spec file (a study run before calibkit recorded it)"
	} else {
		f.specErr = "no readable " + PlanFile + " to name the spec"
	}
	return f, nil
}

// parsePlan decodes plan.json and checks that what the card relies on is
// there: every cell with an ID, every step with an ID, kind and key.
func parsePlan(b []byte) (*plan.Plan, error) {
	var p plan.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("not a study plan: %w", err)
	}
	if len(p.Cells) == 0 {
		return nil, errors.New("not a study plan: no cells")
	}
	for i, c := range p.Cells {
		if c == nil || c.ID == "" {
			return nil, fmt.Errorf("cell %d has no id", i)
		}
	}
	for i, s := range p.Steps {
		if s == nil || s.ID == "" || s.Kind == "" || strings.Trim(s.Kind, "abcdefghijklmnopqrstuvwxyz") != "" || !validKey(s.Key) {
			return nil, fmt.Errorf("step %d: no id, or a kind or key that is not a step's (letters; hex)", i)
		}
	}
	for i, s := range p.Sources {
		if s == nil || s.ID == "" {
			return nil, fmt.Errorf("source %d has no id", i)
		}
	}
	return &p, nil
}

// validKey accepts a step key as the cache names its folders (hex).
func validKey(k string) bool {
	return k != "" && len(k) <= 128 && strings.Trim(k, "0123456789abcdef") == ""
}

// step returns a plan step by ID, or nil.
func (f *folder) step(id string) *plan.Step {
	if f.plan == nil || id == "" {
		return nil
	}
	for _, s := range f.plan.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// source returns the plan's source by ID, or nil.
func (f *folder) source(id string) *plan.Source {
	if f.plan == nil {
		return nil
	}
	for _, s := range f.plan.Sources {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// entry is the folder of a finished step in the study's cache, "" when
// there is none.
func (f *folder) entry(id string) string {
	s := f.step(id)
	if s == nil {
		return ""
	}
	d := filepath.Join(f.dir, "steps", s.Kind, s.Key)
	if _, err := os.Stat(filepath.Join(d, "step.json")); err != nil {
		return ""
	}
	return d
}

// logPath is where the study runner keeps a step's log.
func (f *folder) logPath(id string) string {
	return filepath.Join(f.dir, "logs", strings.NewReplacer("/", "_", ":", "-", "#", "_").Replace(id)+".log")
}

// cellStatus says why a planned cell has no record: the first of its
// steps whose log ends in FAILED (short: the step and its log; detail:
// the error), or "no result".
func (f *folder) cellStatus(c *plan.Cell) (short, detail string) {
	seen := map[string]bool{}
	var visit func(id string, depth int) (string, string)
	visit = func(id string, depth int) (string, string) {
		st := f.step(id)
		if st == nil || seen[id] || depth > 32 {
			return "", ""
		}
		seen[id] = true
		for _, d := range st.Deps {
			if s, m := visit(d, depth+1); s != "" {
				return s, m
			}
		}
		b, err := os.ReadFile(f.logPath(id))
		if err != nil {
			return "", ""
		}
		i := strings.LastIndex(string(b), "\nFAILED: ")
		if i < 0 {
			return "", ""
		}
		msg := strings.TrimSpace(string(b[i+len("\nFAILED: "):]))
		if j := strings.IndexByte(msg, '\n'); j >= 0 {
			msg = msg[:j]
		}
		if r := []rune(msg); len(r) > 400 {
			msg = string(r[:397]) + "..."
		}
		return fmt.Sprintf("failed: step %s (log %s)", id, filepath.ToSlash(filepath.Join("logs", filepath.Base(f.logPath(id))))), id + ": " + msg
	}
	for _, id := range []string{c.PPL, c.KLD, c.TaskStep} {
		if s, m := visit(id, 0); s != "" {
			return s, m
		}
	}
	return "no result (not run, or its record was cut short)", ""
}
