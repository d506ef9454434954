package study

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/calibkit/calibkit/datasets"
	"github.com/calibkit/calibkit/study/engine"
	"github.com/calibkit/calibkit/study/plan"
	"github.com/calibkit/calibkit/study/results"
	"github.com/calibkit/calibkit/study/spec"
	"github.com/calibkit/calibkit/study/stepcache"
)

// Options are what Run needs beyond the spec.
type Options struct {
	Spec *spec.Spec
	// Dir is the study folder (a shared file system for --cell runs).
	Dir string
	// Cells limits the run to these cells (index or ID) and the steps
	// they need; empty runs all.
	Cells []string
	// LlamaCpp, when set, runs the model steps with llama.cpp's own tools
	// from that folder (over the spec's llama_cpp). Engine, when set,
	// overrides both (tests).
	LlamaCpp string
	Engine   engine.Engine
	// Progress receives the progress view (a terminal); Log one line per
	// step. Either may be nil.
	Progress io.Writer
	Log      io.Writer
	// HubCache is the Hugging Face cache for hf:// models ("" : from the
	// environment, as calibkit fetch finds it).
	HubCache string
	// Plan, when set, is the hash (or its first plan.ShortHash or more
	// hex digits) of the plan the cells were chosen from, as a scheduler's
	// array is submitted: a study that now plans differently is refused
	// with a *PlanChangedError before anything runs, and an index in Cells
	// past the last cell is nothing to do (Result.PastEnd) rather than an
	// error, so that an array larger than the plan does not fail.
	Plan string
	// PageCommands, when set, gives the command lines that rebuild each
	// cell's files (by cell ID) for the study's page, from the study
	// folder; calibkit passes modelcard.CellCommands, the card's source.
	PageCommands func(dir string) (map[string][]string, error)
}

// StepError is a step that failed, with where its log is.
type StepError struct {
	Step string `json:"step"`
	Err  string `json:"error"`
	Log  string `json:"log,omitempty"`
}

// Result is what a run did.
type Result struct {
	Plan    *plan.Plan        `json:"-"`
	Records []*results.Record `json:"-"`
	Failed  []StepError       `json:"failed,omitempty"`
	// Steps counts the steps the run needed by outcome.
	Computed int `json:"computed"`
	Cached   int `json:"cached"`
	Waited   int `json:"waited"`
	// Report lists the files built from results.jsonl.
	Report *results.Report `json:"report,omitempty"`
	// PastEnd lists the cells (indexes) given with Options.Plan that are
	// past the plan's last cell: nothing was done for them.
	PastEnd []string `json:"past_end,omitempty"`
	// Threads is the thread count the model steps ran with (0: the
	// engines' default, the physical cores).
	Threads int `json:"threads"`
	// Seconds: the whole run; StepSeconds: inside the steps that ran;
	// PlanSeconds: planning and hashing.
	Seconds     float64 `json:"seconds"`
	StepSeconds float64 `json:"step_seconds"`
	PlanSeconds float64 `json:"plan_seconds"`
	// ReportSeconds: appending the records and rebuilding the report.
	ReportSeconds float64 `json:"report_seconds"`
	// BackgroundCPUSeconds is the CPU time of writing the entries in the
	// background (syncing their files, step.json, plan.json, syncing
	// results.jsonl): it overlaps the steps' work and may slow it by as
	// much, so the runner's cost is at most Seconds − StepSeconds +
	// BackgroundCPUSeconds (Linux; 0 elsewhere).
	BackgroundCPUSeconds float64 `json:"background_cpu_seconds"`
	HashedBytes          int64   `json:"hashed_bytes"`
}

// ErrStepsFailed is wrapped by Run's error when steps failed and the other
// cells were completed.
var ErrStepsFailed = errors.New("steps failed")

// Prepare resolves the model (fetching an hf:// model missing from the
// cache) and the engine and plans the study, as Run and `calibkit study
// plan` do.
func Prepare(ctx context.Context, o *Options) (*plan.Plan, engine.Engine, string, *stepcache.Hasher, error) {
	s := o.Spec
	model, err := ResolveModel(ctx, s.Model, o.HubCache)
	if err != nil {
		return nil, nil, "", nil, err
	}
	eng := o.Engine
	if eng == nil {
		dir := o.LlamaCpp
		if dir == "" {
			dir = s.LlamaCpp
		}
		if dir != "" {
			ext, err := engine.NewExternal(dir)
			if err != nil {
				return nil, nil, "", nil, err
			}
			eng = ext
		} else {
			eng = engine.Linked{}
		}
	}
	h := stepcache.NewHasher()
	p, err := plan.New(s, plan.Options{Engine: eng.Identity(), Model: model, Hasher: h})
	if err != nil {
		return nil, nil, "", nil, err
	}
	if _, ext := eng.(*engine.External); ext {
		for _, e := range p.Evals {
			if e.ParseSpecial {
				return nil, nil, "", nil, fmt.Errorf("%s: eval set %s is chat-formatted (its manifest, or its corpus's, marks special tokens): %w", s.File, e.Name, engine.ErrParseSpecial)
			}
		}
	}
	return p, eng, model, h, nil
}

// ResolveModel returns a local path for the spec's model: the path
// itself, or an hf:// address located in the Hugging Face cache and, when
// it is not there and HF_HUB_OFFLINE is not set, downloaded into it from
// HF_ENDPOINT (as calibkit fetch downloads datasets: sha256 and size
// checked, partial downloads resumed).
func ResolveModel(ctx context.Context, model, hubCache string) (string, error) {
	if !strings.HasPrefix(model, spec.HFPrefix) {
		return model, nil
	}
	m, err := spec.ParseHFModel(model)
	if err != nil {
		return "", err
	}
	cfg, err := datasets.ConfigFromEnv()
	if err != nil {
		return "", err
	}
	if hubCache != "" {
		cfg.HubCache = hubCache
	}
	p, lerr := m.Locate(cfg.HubCache)
	if lerr == nil {
		return p, nil
	}
	if cfg.Offline {
		return "", fmt.Errorf("%w (HF_HUB_OFFLINE is set, so it is not downloaded)", lerr)
	}
	c, err := datasets.NewClient(cfg)
	if err != nil {
		return "", err
	}
	f, err := c.Download(ctx, m.Repo, datasets.RepoFile{Revision: m.Revision, Path: m.File, Size: -1, RepoType: datasets.RepoModel})
	if err != nil {
		return "", fmt.Errorf("model %s: %w", model, err)
	}
	return f.LocalPath, nil
}

// Run runs the study's cells (all, or o.Cells) and the steps they need,
// skipping every step whose entry exists, then appends the cells' records
// to DIR/results.jsonl and rebuilds the report. A failed step fails the
// cells that need it; the others go on, and the error wraps
// ErrStepsFailed. A cancelled context stops at once; what finished stays.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	start := time.Now()
	p, eng, model, h, err := Prepare(ctx, &o)
	if err != nil {
		return nil, err
	}
	res = &Result{Plan: p}
	var changed error
	if o.Plan != "" && !p.HashIs(o.Plan) {
		changed = &PlanChangedError{Spec: o.Spec.File, Submitted: o.Plan, Now: p.Short()}
	}
	cells, pastEnd, cerr := selectCells(p, &o)
	steps := p.Needs(cells...)
	alloc := threadsFor(p.Spec.Settings.Threads, os.Getenv)
	log := o.Log
	if log == nil {
		log = o.Progress
	}
	header(log, p, &o, cells, pastEnd, len(steps), alloc)
	switch {
	case changed != nil:
		return nil, changed
	case cerr != nil:
		return nil, cerr
	case len(cells) == 0:
		res.PastEnd = pastEnd
		return res, nil
	}
	res.PastEnd, res.Threads = pastEnd, alloc.threads
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("study folder: %w", err)
	}
	store := stepcache.Store{Dir: filepath.Join(o.Dir, "steps")}
	if _, err := store.Clean(); err != nil {
		return nil, err
	}
	x := &executor{o: &o, p: p, eng: eng, model: model, hasher: h, store: store, threads: alloc.threads,
		metas: map[string]*stepcache.Meta{}, failed: map[string]string{}, res: res}
	// What is still being written when the steps and the report are done
	// (the last entries, plan.json) is waited for before Run returns.
	defer func() {
		n := len(res.Failed)
		x.wait()
		if len(res.Failed) > n && err == nil {
			err = fmt.Errorf("%w: %d of %d steps (%s); their entries could not be written", ErrStepsFailed, len(res.Failed)-n, len(steps), res.Failed[n].Step)
		}
		res.Seconds = time.Since(start).Seconds()
	}()
	x.background("plan.json", func() error { return writePlan(o.Dir, p) })
	res.PlanSeconds = time.Since(start).Seconds()
	view := newView(ctx, o.Progress, o.Log, len(steps))
	for _, st := range steps {
		if err := ctx.Err(); err != nil {
			view.finish()
			return res, fmt.Errorf("study interrupted: %w (rerun the same command to go on; finished steps are kept)", err)
		}
		x.step(ctx, st, view)
	}
	view.finish()
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("study interrupted: %w (rerun the same command to go on; finished steps are kept)", err)
	}
	for _, c := range cells {
		rec, err := x.record(c)
		if err != nil {
			continue // its failed steps are listed already
		}
		res.Records = append(res.Records, rec)
	}
	x.flush() // no lock is held while results.jsonl's is waited for
	t0 := time.Now()
	if err := x.appendNew(ctx, o.Dir, res.Records); err != nil {
		return res, err
	}
	if res.Report, err = buildReport(o.Dir, p, res.Failed, o.PageCommands); err != nil {
		return res, err
	}
	res.ReportSeconds = time.Since(t0).Seconds()
	res.Seconds = time.Since(start).Seconds()
	res.HashedBytes = h.Hashed
	if len(res.Failed) > 0 {
		return res, fmt.Errorf("%w: %d of %d steps (%s); their logs are named above", ErrStepsFailed, len(res.Failed), len(steps), res.Failed[0].Step)
	}
	return res, nil
}

// appendNew appends the records results.jsonl does not hold yet
// (newRecords); the file is synced in the background.
func (x *executor) appendNew(ctx context.Context, dir string, recs []*results.Record) error {
	path := filepath.Join(dir, results.FileName)
	old, _, err := results.Read(path)
	if err != nil {
		old = nil
	}
	syncRecs, err := results.AppendUnsynced(ctx, path, newRecords(old, recs)...)
	if err != nil {
		return err
	}
	x.background(results.FileName, syncRecs)
	x.flush() // synced while the report is built
	return nil
}

// newRecords returns the records of recs that old does not hold: no
// record of the same cell and key, or only ones without per-chunk KLD
// where this one has it (its KL-divergence step was computed again after
// an older calibkit had cached it without).
func newRecords(old, recs []*results.Record) []*results.Record {
	have := map[string]bool{} // cell and key: held, and whether with per-chunk KLD
	for _, r := range old {
		k := r.Cell + " " + r.Key
		have[k] = have[k] || len(r.ChunkKLD) > 0
	}
	var add []*results.Record
	for _, r := range recs {
		withKLD, ok := have[r.Cell+" "+r.Key]
		if !ok || !withKLD && len(r.ChunkKLD) > 0 {
			add = append(add, r)
		}
	}
	return add
}

// buildReport rebuilds the report when results.jsonl changed, or when the
// page's other parts (pageInfo) did: a run whose steps failed rewrites
// the page to show them.
func buildReport(dir string, p *plan.Plan, failed []StepError, commands func(string) (map[string][]string, error)) (*results.Report, error) {
	info := pageInfo(p, failed)
	if commands != nil {
		if c, err := commands(dir); err == nil {
			info.Commands = c
		}
	}
	old, err := results.ReadInfo(dir)
	if err != nil || old == nil || !reflect.DeepEqual(old, info) {
		return results.BuildWith(dir, p.Spec.Name, info)
	}
	return results.BuildIfStale(dir, p.Spec.Name)
}

// pageInfo is what the study's page shows beside the records: the spec
// file as run, the engine, the notes and the failed steps with their
// logs' last lines.
func pageInfo(p *plan.Plan, failed []StepError) *results.PageInfo {
	info := &results.PageInfo{Engine: p.Engine, Notes: p.Spec.Notes}
	if kind, v, ok := strings.Cut(p.Engine, ":"); ok && kind == "linked" {
		info.LlamaCpp = v
	}
	if p.Spec.File != "" {
		if b, err := os.ReadFile(p.Spec.File); err == nil {
			info.Spec = string(b)
		}
	}
	needs := map[string][]string{} // step ID: the cells that need it
	if len(failed) > 0 {
		for _, c := range p.Cells {
			for _, st := range p.Needs(c) {
				needs[st.ID] = append(needs[st.ID], c.ID)
			}
		}
	}
	for _, f := range failed {
		fs := results.FailedStep{Step: f.Step, Err: f.Err, Log: f.Log, Cells: needs[f.Step]}
		if f.Log != "" {
			fs.Tail = tailFile(f.Log, 20)
		}
		info.Failed = append(info.Failed, fs)
	}
	return info
}
