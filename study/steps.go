package study

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/calibkit/calibkit/coverage"
	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/mix"
	"github.com/calibkit/calibkit/mix/llamacount"
	"github.com/calibkit/calibkit/study/engine"
	"github.com/calibkit/calibkit/study/plan"
	"github.com/calibkit/calibkit/study/stepcache"
	"github.com/calibkit/calibkit/tasks"
)

// Files a step kind leaves in its entry.
const (
	evalFile    = "eval.txt"
	mixFile     = "mix.txt"
	imatrixFile = "imatrix.gguf"
	quantFile   = "model.gguf"
	kldBaseFile = "base.kld"
)

// OpenTokenCounter loads a model's vocabulary for mixes and eval sets
// sized in tokens.
var OpenTokenCounter func(string) (mix.TokenCounter, io.Closer, error) = llamacount.OpenCounter

type executor struct {
	o      *Options
	p      *plan.Plan
	eng    engine.Engine
	model  string
	hasher *stepcache.Hasher
	store  stepcache.Store
	metas  map[string]*stepcache.Meta // finished steps by ID
	failed map[string]string          // failed (or skipped) steps by ID: why
	res    *Result
	// threads of the model steps (0: the engines' default)
	threads int

	// Entries and files still to be written to disk (stepcache.Store.
	// Begin's finish, plan.json): queued until the next step's work
	// starts, so that their fsyncs overlap that work rather than the
	// next step's own file operations, then run in the background; wait
	// collects them.
	queued  []commit
	pending sync.WaitGroup
	mu      sync.Mutex
	late    []StepError
	bgCPU   time.Duration
}

type commit struct {
	id     string
	finish func() error
}

// background queues finish (which releases a step's lock); flush starts
// it.
func (x *executor) background(id string, finish func() error) {
	x.queued = append(x.queued, commit{id, finish})
}

// flush starts what is queued. It runs before every step's work and
// before the run waits for a lock another process holds (which may be
// waiting for one that a queued finish releases).
func (x *executor) flush() {
	for _, c := range x.queued {
		x.pending.Go(func() {
			runtime.LockOSThread() // to measure its CPU time
			defer runtime.UnlockOSThread()
			t0 := threadCPU()
			err := c.finish()
			cpu := threadCPU() - t0
			x.mu.Lock()
			defer x.mu.Unlock()
			x.bgCPU += cpu
			if err != nil {
				x.late = append(x.late, StepError{Step: c.id, Err: err.Error()})
			}
		})
	}
	x.queued = nil
}

// wait finishes what is queued or running and adds its failures to the
// result.
func (x *executor) wait() {
	x.flush()
	x.pending.Wait()
	x.res.Failed = append(x.res.Failed, x.late...)
	x.late = nil
	x.res.BackgroundCPUSeconds = x.bgCPU.Seconds()
}

// step runs one step unless a dep failed; failures are recorded, not
// returned, so the other cells go on.
func (x *executor) step(ctx context.Context, st *plan.Step, v *view) {
	for _, d := range st.Deps {
		if _, bad := x.failed[d]; bad {
			x.failed[st.ID] = "needs " + d + ", which failed"
			v.done(st, "skipped (needs "+d+")")
			return
		}
	}
	logPath := filepath.Join(x.o.Dir, "logs", strings.NewReplacer("/", "_", ":", "-", "#", "_").Replace(st.ID)+".log")
	var logFile *os.File
	var work time.Duration // the step's own work, without the runner's log file
	v.start(st)
	compute := func(ctx context.Context, dir string) (any, error) {
		f, err := os.Create(logPath)
		if errors.Is(err, os.ErrNotExist) {
			if err = os.MkdirAll(filepath.Dir(logPath), 0o755); err == nil {
				f, err = os.Create(logPath)
			}
		}
		if err != nil {
			return nil, err
		}
		logFile = f
		fmt.Fprintf(f, "step %s (key %s), engine %s\n", st.ID, st.Key, x.eng.Identity())
		x.flush()
		t0 := time.Now()
		defer func() { work = time.Since(t0) }()
		return x.compute(ctx, st, dir, f, v.progress)
	}
	m, outcome, finish, err := x.store.Begin(ctx, st.Depends(), x.eng.Identity(), compute, func() { x.flush(); v.waiting(st) })
	if finish != nil {
		x.background(st.ID, finish)
	}
	if logFile != nil {
		if err != nil {
			fmt.Fprintf(logFile, "FAILED: %v\n", err)
		}
		logFile.Close()
	}
	if err != nil {
		if ctx.Err() != nil {
			v.done(st, "interrupted")
			return
		}
		x.failed[st.ID] = err.Error()
		e := StepError{Step: st.ID, Err: err.Error()}
		if logFile != nil {
			e.Log = logPath
		}
		x.res.Failed = append(x.res.Failed, e)
		v.failed(st, e)
		return
	}
	x.metas[st.ID] = m
	switch outcome {
	case stepcache.Computed:
		x.res.Computed++
		x.res.StepSeconds += work.Seconds()
		v.done(st, "done")
	case stepcache.Cached:
		x.res.Cached++
		v.done(st, "cached")
	case stepcache.Waited:
		x.res.Waited++
		v.done(st, "done by another process")
	}
}

// out returns the path of a file in a finished dep's entry.
func (x *executor) out(id, name string) string {
	return filepath.Join(x.metas[id].Dir, name)
}

func (x *executor) common(log io.Writer, progress func(int, int)) engine.Common {
	st := x.p.Spec.Settings
	return engine.Common{Ctx: st.Ctx, Batch: st.Batch, Threads: x.threads, FlashAttn: st.FlashAttn, Log: log, Progress: progress}
}

// evalText returns the path of an eval set's text.
func (x *executor) evalText(e *plan.Eval) string {
	if e.Build != "" {
		return x.out(e.Build, evalFile)
	}
	return e.Spec.File
}

// checkSpecial verifies that a built eval set's manifest marks special
// tokens as the plan foresaw from its corpus's (plan.ParseSpecialOf),
// since the steps' keys hold that decision.
func (x *executor) checkSpecial(e *plan.Eval) error {
	if e.Build == "" || x.p.Spec.Settings.EvalParseSpecial == "off" {
		return nil
	}
	text := x.evalText(e)
	special, err := manifest.SpecialTokensOf(text)
	if err != nil {
		return fmt.Errorf("eval set %s: %w", e.Name, err)
	}
	if special != e.ParseSpecial {
		return fmt.Errorf("eval set %s: the manifest of %s says special tokens %v, but the plan read %v from the corpus %s's manifest; run the study again to plan it anew",
			e.Name, text, special, e.ParseSpecial, e.Spec.Build.From)
	}
	return nil
}

// excludes lists the eval manifests a mix leaves out: the spec's, those
// beside eval files, and those of built eval sets.
func (x *executor) excludes(extra []string) []string {
	out := append([]string(nil), extra...)
	for _, e := range x.p.Evals {
		if e.Build != "" {
			out = append(out, manifest.Path(x.out(e.Build, evalFile)))
		} else if _, err := os.Stat(manifest.Path(e.Spec.File)); err == nil {
			out = append(out, manifest.Path(e.Spec.File))
		}
	}
	return out
}

func (x *executor) counter(unit string) (mix.TokenCounter, func(), error) {
	if unit != "tokens" {
		return nil, func() {}, nil
	}
	return mix.OpenCounter(OpenTokenCounter, x.model)
}

func parseUnit(u string) mix.Unit {
	if u == "" {
		return mix.Bytes
	}
	v, _ := mix.ParseUnit(u) // checked with the spec
	return v
}

// compute runs one step into dir and returns what to record.
func (x *executor) compute(ctx context.Context, st *plan.Step, dir string, log io.Writer, progress func(int, int)) (any, error) {
	sp := x.p.Spec
	cmd := []string{"calibkit", "study", "run", sp.File, "--step", st.ID}
	switch st.Kind {
	case plan.KindEval:
		b := st.Eval.Spec.Build
		tc, closeTC, err := x.counter(b.Unit)
		if err != nil {
			return nil, err
		}
		defer closeTC()
		f, _ := mix.ParseFormat(plan.EvalFormat(b.Format))
		var target int64
		if b.Bytes != "" {
			target, _ = mix.ParseSize(b.Bytes)
		}
		r, err := mix.MakeEval(ctx, mix.MakeEvalOptions{From: b.From, Like: b.Like, Target: target, Unit: parseUnit(b.Unit), Counter: tc,
			Output: filepath.Join(dir, evalFile), Format: f, Seed: plan.Seed(b.Seed), Exclude: b.Exclude, Command: cmd})
		if err != nil {
			return nil, err
		}
		return map[string]any{"bytes": r.Counts.Bytes, "deviation": r.Eval.Deviation}, nil
	case plan.KindMix:
		m := st.Source.Spec.Mix
		tc, closeTC, err := x.counter(m.Unit)
		if err != nil {
			return nil, err
		}
		defer closeTC()
		var adds []mix.Source
		for _, name := range sortedKeys(m.Add) {
			adds = append(adds, mix.Source{Name: name, Corpus: m.Add[name]})
		}
		var total int64
		if m.Total != "" {
			total, _ = mix.ParseSize(m.Total)
		}
		r, err := mix.MakeMix(ctx, mix.MakeMixOptions{Base: m.Base, Adds: adds, Factors: nilIfEmpty(m.Factor), Shares: nilIfEmpty(m.Share), Total: total,
			Unit: parseUnit(m.Unit), Counter: tc, Chunk: plan.ChunkTokens(m.Chunk), Seed: plan.Seed(m.Seed), Exclude: x.excludes(m.Exclude),
			Output: filepath.Join(dir, mixFile), Command: cmd, Warn: log})
		if err != nil {
			return nil, err
		}
		mix.PrintSources(log, mixFile, r.Mix)
		return map[string]any{"bytes": sumBytes(r.Mix)}, nil
	case plan.KindSweep:
		w := st.Source.Spec.Sweep
		tc, closeTC, err := x.counter(w.Unit)
		if err != nil {
			return nil, err
		}
		defer closeTC()
		name := sortedKeys(w.Add)[0]
		total, _ := mix.ParseSize(w.Total)
		entries, err := mix.MakeSweep(ctx, mix.MakeSweepOptions{Base: w.Base, Add: mix.Source{Name: name, Corpus: w.Add[name]}, Shares: w.Shares,
			Total: total, Unit: parseUnit(w.Unit), Counter: tc, Chunk: plan.ChunkTokens(w.Chunk), Seed: plan.Seed(w.Seed) + uint64(st.Repeat), Nested: w.Nested,
			Exclude: x.excludes(w.Exclude), Dir: dir, Command: cmd, Warn: log, Progress: log})
		if err != nil {
			return nil, err
		}
		bytes := map[string]int64{}
		for _, e := range entries {
			bytes[e.File] = e.Bytes
		}
		return map[string]any{"bytes": bytes}, nil
	case plan.KindImatrix:
		text := st.Source.Spec.Text
		switch st.Source.Kind {
		case "mix":
			text = x.out(st.Source.Text, mixFile)
		case "sweep":
			text = x.out(st.Source.Text, st.File)
		}
		fi, err := os.Stat(text)
		if err != nil {
			return nil, err
		}
		// Chat-formatted text (its manifest says so) carries special
		// tokens, tokenized as such in both engines and in the coverage.
		special, err := manifest.SpecialTokensOf(text)
		if err != nil {
			return nil, err
		}
		r, err := x.eng.Imatrix(ctx, engine.ImatrixJob{Common: x.common(log, progress), Model: x.model, Text: text,
			Output: filepath.Join(dir, imatrixFile), Chunks: sp.Settings.ImatrixChunks, ParseSpecial: special})
		if err != nil {
			return nil, fmt.Errorf("imatrix source %s: %w", st.Source.ID, err)
		}
		rec := imatrixRecord{ImatrixResult: *r, TextBytes: fi.Size()}
		cov, err := coverage.Run(ctx, coverage.Options{Model: x.model, Files: []string{text}, Top: -1, ParseSpecial: special})
		if err != nil {
			return nil, fmt.Errorf("imatrix source %s: coverage of %s: %w", st.Source.ID, text, err)
		}
		s := cov.Summary(0)
		rec.Coverage = &s
		return rec, nil
	case plan.KindQuantize:
		v := st.Variant
		im := ""
		switch st.Source.Kind {
		case "file":
			im = st.Source.Spec.File
		case "none":
		default:
			im = x.out(st.Source.Imatrix, imatrixFile)
		}
		return x.eng.Quantize(ctx, engine.QuantizeJob{Model: x.model, Imatrix: im, Output: filepath.Join(dir, quantFile), Type: v.Type,
			OutputTensorType: v.OutputTensorType, TokenEmbeddingType: v.TokenEmbeddingType, TensorTypes: v.TensorTypes,
			LeaveOutputTensor: v.LeaveOutputTensor, Pure: v.Pure, Threads: x.threads, Log: log})
	case plan.KindPPL:
		if err := x.checkSpecial(st.Eval); err != nil {
			return nil, err
		}
		q := x.out(st.Deps[0], quantFile)
		return x.eng.Perplexity(ctx, engine.PerplexityJob{Common: x.common(log, progress), Model: q, Text: x.evalText(st.Eval), Chunks: sp.Settings.Chunks,
			ParseSpecial: st.Eval.ParseSpecial})
	case plan.KindTask:
		q := x.out(st.Deps[0], quantFile)
		return x.eng.Tasks(ctx, engine.TaskJob{Common: x.common(log, progress), Model: q, File: st.Task.File, Mode: tasks.Mode(st.Task.Mode),
			Tasks: st.Task.Tasks, Parallel: st.Task.Parallel})
	case plan.KindKLDBase:
		if err := x.checkSpecial(st.Eval); err != nil {
			return nil, err
		}
		out := filepath.Join(dir, kldBaseFile)
		j := engine.PerplexityJob{Common: x.common(log, progress), Model: sp.Settings.KLDBase, Text: x.evalText(st.Eval), Chunks: sp.Settings.Chunks,
			ParseSpecial: st.Eval.ParseSpecial}
		if err := x.eng.SaveKLDBase(ctx, j, out); err != nil {
			return nil, err
		}
		return nil, nil
	case plan.KindKLD:
		q := x.out(st.Deps[0], quantFile)
		return x.eng.KLD(ctx, q, x.out(st.Deps[1], kldBaseFile), engine.PerplexityJob{Common: x.common(log, progress), Chunks: sp.Settings.Chunks})
	}
	return nil, fmt.Errorf("step %s: unknown kind %s", st.ID, st.Kind)
}

// imatrixRecord is an imatrix step's result: what the engine measured and
// the size of the text it read.
type imatrixRecord struct {
	engine.ImatrixResult
	TextBytes int64 `json:"text_bytes"`
	// Coverage is the text's vocabulary coverage, measured with the
	// linked tokenizer whatever the engine.
	Coverage *coverage.Summary `json:"coverage,omitempty"`
}

func sumBytes(r *mix.MixResult) int64 {
	var n int64
	for _, s := range r.Sources {
		n += s.Bytes
	}
	return n
}

func nilIfEmpty(m map[string]float64) map[string]float64 {
	if len(m) == 0 {
		return nil
	}
	return m
}

func writePlan(dir string, p interface{}) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	_, err = atomicfile.WriteFile(filepath.Join(dir, "plan.json"), bytes.NewReader(append(b, '\n')))
	return err
}
