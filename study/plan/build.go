package plan

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/study/spec"
	"github.com/calibkit/calibkit/study/stepcache"
)

// New plans a study. It hashes every input file the spec names (once per
// file), but runs nothing.
func New(s *spec.Spec, o Options) (*Plan, error) {
	h := o.Hasher
	if h == nil {
		h = stepcache.NewHasher()
	}
	p := &Plan{Spec: s, Engine: o.Engine, byID: map[string]*Step{}}
	if s.File != "" {
		if abs, err := filepath.Abs(s.File); err == nil {
			p.SpecFile = abs
		}
	}
	st := s.Settings
	model, err := h.File(o.Model)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	digests := func(k *stepcache.Key, role string, paths []string) error {
		for i, f := range paths {
			d, err := h.File(f)
			if err != nil {
				return err
			}
			k.Input(fmt.Sprintf("%s.%d", role, i), d)
		}
		return nil
	}

	// Eval sets; the manifests of those with one are left out of every mix.
	var excludeFiles []string
	var excludeSteps []string
	for i := range s.Eval {
		e := &Eval{Name: s.Eval[i].Name, Spec: &s.Eval[i]}
		if e.ParseSpecial, err = ParseSpecialOf(e.Spec, st.EvalParseSpecial); err != nil {
			return nil, fmt.Errorf("eval set %s: %w", e.Name, err)
		}
		p.Evals = append(p.Evals, e)
		if b := e.Spec.Build; b != nil {
			k := stepcache.NewKey(KindEval).Param("unit", orDefault(b.Unit, "bytes")).Param("format", EvalFormat(b.Format)).
				Param("seed", Seed(b.Seed)).Param("bytes", b.Bytes)
			if err := digests(k, "from", []string{b.From}); err != nil {
				return nil, err
			}
			if b.Like != "" {
				if err := digests(k, "like", []string{b.Like}); err != nil {
					return nil, err
				}
			}
			if err := digests(k, "exclude", b.Exclude); err != nil {
				return nil, err
			}
			if unitIsTokens(b.Unit) {
				k.Input("model", model)
			}
			step := p.add(&Step{ID: "eval:" + e.Name, Kind: KindEval, Eval: e}, k)
			e.Build = step.ID
			excludeSteps = append(excludeSteps, step.ID)
		} else if _, err := os.Stat(manifest.Path(e.Spec.File)); err == nil {
			excludeFiles = append(excludeFiles, manifest.Path(e.Spec.File))
		}
	}
	evalInput := func(k *stepcache.Key, e *Eval) error {
		if e.ParseSpecial {
			// another tokenization of the same text: another result
			k.Param("parse_special", true)
		}
		if e.Build != "" {
			return nil // the dep's key stands for it
		}
		d, err := h.File(e.Spec.File)
		if err != nil {
			return err
		}
		k.Input("eval", d)
		return nil
	}

	// Imatrix sources.
	imatrixKey := func() *stepcache.Key {
		return stepcache.NewKey(KindImatrix).Input("model", model).Param("engine", o.Engine).Param("ctx", st.Ctx).
			Param("batch", st.Batch).Param("chunks", st.ImatrixChunks).Param("flash_attn", st.FlashAttn)
	}
	mixKey := func(kind string, base string, add map[string]string, exclude []string) (*stepcache.Key, error) {
		k := stepcache.NewKey(kind)
		if err := digests(k, "base", []string{base}); err != nil {
			return nil, err
		}
		for _, name := range sortedKeys(add) {
			if err := digests(k, "add."+name, []string{add[name]}); err != nil {
				return nil, err
			}
		}
		if err := digests(k, "exclude", append(append([]string(nil), exclude...), excludeFiles...)); err != nil {
			return nil, err
		}
		return k, nil
	}
	for i := range s.Imatrix {
		ss := &s.Imatrix[i]
		switch {
		case ss.None:
			p.Sources = append(p.Sources, &Source{ID: ss.Name, Spec: ss, Kind: "none"})
		case ss.File != "":
			p.Sources = append(p.Sources, &Source{ID: ss.Name, Spec: ss, Kind: "file"})
		case ss.Text != "":
			src := &Source{ID: ss.Name, Spec: ss, Kind: "text"}
			k := imatrixKey()
			if err := digests(k, "text", []string{ss.Text}); err != nil {
				return nil, err
			}
			src.Imatrix = p.add(&Step{ID: "imatrix:" + src.ID, Kind: KindImatrix, Source: src}, k).ID
			p.Sources = append(p.Sources, src)
		case ss.Mix != nil:
			m := ss.Mix
			src := &Source{ID: ss.Name, Spec: ss, Kind: "mix"}
			k, err := mixKey(KindMix, m.Base, m.Add, m.Exclude)
			if err != nil {
				return nil, err
			}
			k.Param("factor", m.Factor).Param("share", m.Share).Param("total", m.Total).Param("unit", orDefault(m.Unit, "bytes")).
				Param("chunk_tokens", ChunkTokens(m.Chunk)).Param("seed", Seed(m.Seed))
			if unitIsTokens(m.Unit) {
				k.Input("model", model)
			}
			src.Text = p.add(&Step{ID: "mix:" + src.ID, Kind: KindMix, Source: src, Deps: excludeSteps}, k).ID
			src.Imatrix = p.add(&Step{ID: "imatrix:" + src.ID, Kind: KindImatrix, Source: src, Deps: []string{src.Text}}, imatrixKey()).ID
			p.Sources = append(p.Sources, src)
		case ss.Sweep != nil:
			w := ss.Sweep
			for r := range w.Repeats {
				k, err := mixKey(KindSweep, w.Base, w.Add, w.Exclude)
				if err != nil {
					return nil, err
				}
				k.Param("shares", w.Shares).Param("total", w.Total).Param("unit", orDefault(w.Unit, "bytes")).
					Param("chunk_tokens", ChunkTokens(w.Chunk)).Param("seed", Seed(w.Seed)+uint64(r)).Param("nested", w.Nested)
				if unitIsTokens(w.Unit) {
					k.Input("model", model)
				}
				id := "sweep:" + ss.Name
				if w.Repeats > 1 {
					id += fmt.Sprintf("#%d", r+1)
				}
				sw := p.add(&Step{ID: id, Kind: KindSweep, Repeat: r, Source: &Source{ID: ss.Name, Spec: ss, Kind: "sweep"}, Deps: excludeSteps}, k)
				for _, sh := range w.Shares {
					share := sh
					src := &Source{ID: shareID(ss.Name, sh, r, w.Repeats), Spec: ss, Kind: "sweep", Share: &share, Repeat: r + 1, Text: sw.ID}
					src.Imatrix = p.add(&Step{ID: "imatrix:" + src.ID, Kind: KindImatrix, Source: src, File: shareFile(sh), Deps: []string{sw.ID}},
						imatrixKey().Param("file", shareFile(sh))).ID
					p.Sources = append(p.Sources, src)
				}
			}
		}
	}

	for _, src := range p.Sources {
		if src.ID == st.Baseline || src.Spec.Name == st.Baseline && p.Baseline == "" {
			p.Baseline = src.ID
		}
	}
	if p.Baseline == "" {
		return nil, fmt.Errorf("%s: baseline %q is no imatrix source of the plan (give a source name, or NAME@SHARE for a sweep point)", s.File, st.Baseline)
	}

	// KL-divergence bases, one per eval set.
	var base stepcache.Digest
	kldBase := map[string]string{}
	if st.KLDBase != "" {
		if base, err = h.File(st.KLDBase); err != nil {
			return nil, fmt.Errorf("KLD base: %w", err)
		}
		for _, e := range p.Evals {
			k := stepcache.NewKey(KindKLDBase).Input("base", base).Param("engine", o.Engine).Param("ctx", st.Ctx).
				Param("batch", st.Batch).Param("chunks", st.Chunks).Param("flash_attn", st.FlashAttn)
			if err := evalInput(k, e); err != nil {
				return nil, err
			}
			kldBase[e.Name] = p.add(&Step{ID: "kldbase:" + e.Name, Kind: KindKLDBase, Eval: e, Deps: nonEmpty(e.Build)}, k).ID
		}
	}

	// Task sets: each file hashed once.
	type taskSet struct {
		*spec.TaskSet
		digest stepcache.Digest
	}
	var taskSets []taskSet
	for i := range s.Tasks {
		d, err := h.File(s.Tasks[i].File)
		if err != nil {
			return nil, fmt.Errorf("task set %s: %w", s.Tasks[i].Name, err)
		}
		taskSets = append(taskSets, taskSet{&s.Tasks[i], d})
	}

	// Quants and cells.
	for _, src := range p.Sources {
		for vi := range s.Variants {
			v := &s.Variants[vi]
			k := stepcache.NewKey(KindQuantize).Input("model", model).Param("engine", o.Engine).Param("variant", variantParams(v))
			if src.Kind == "file" {
				d, err := h.File(src.Spec.File)
				if err != nil {
					return nil, err
				}
				k.Input("imatrix", d)
			}
			q := p.add(&Step{ID: "quantize:" + joinID(src.ID, v.Name), Kind: KindQuantize, Source: src, Variant: v, Deps: nonEmpty(src.Imatrix)}, k)
			for _, e := range p.Evals {
				cid := joinID(src.ID, v.Name, e.Name)
				k := stepcache.NewKey(KindPPL).Param("engine", o.Engine).Param("ctx", st.Ctx).Param("batch", st.Batch).
					Param("chunks", st.Chunks).Param("flash_attn", st.FlashAttn)
				if err := evalInput(k, e); err != nil {
					return nil, err
				}
				c := &Cell{Index: len(p.Cells), ID: cid, Source: src.ID, Variant: v.Name, Eval: e.Name}
				c.PPL = p.add(&Step{ID: "ppl:" + cid, Kind: KindPPL, Source: src, Variant: v, Eval: e, Deps: append([]string{q.ID}, nonEmpty(e.Build)...)}, k).ID
				if b := kldBase[e.Name]; b != "" {
					k := stepcache.NewKey(KindKLD).Param("engine", o.Engine).Param("ctx", st.Ctx).Param("batch", st.Batch).Param("flash_attn", st.FlashAttn)
					c.KLD = p.add(&Step{ID: "kld:" + cid, Kind: KindKLD, Source: src, Variant: v, Eval: e, Deps: []string{q.ID, b}}, k).ID
				}
				p.Cells = append(p.Cells, c)
			}
			for _, ts := range taskSets {
				k := stepcache.NewKey(KindTask).Input("tasks", ts.digest).Param("engine", o.Engine).Param("mode", ts.Mode).
					Param("tasks", ts.Tasks).Param("parallel", ts.Parallel).Param("ctx", st.Ctx).Param("batch", st.Batch).Param("flash_attn", st.FlashAttn)
				cid := joinID(src.ID, v.Name, ts.Name)
				c := &Cell{Index: len(p.Cells), ID: cid, Source: src.ID, Variant: v.Name, Task: ts.Name}
				c.TaskStep = p.add(&Step{ID: "task:" + cid, Kind: KindTask, Source: src, Variant: v, Task: ts.TaskSet, Deps: []string{q.ID}}, k).ID
				p.Cells = append(p.Cells, c)
			}
		}
	}
	p.Hash = p.hash()
	return p, nil
}

// variantParams is what of a variant changes the quant (not its name).
func variantParams(v *spec.Variant) map[string]any {
	return map[string]any{"type": v.Type, "output_tensor_type": v.OutputTensorType, "token_embedding_type": v.TokenEmbeddingType,
		"tensor_types": v.TensorTypes, "leave_output_tensor": v.LeaveOutputTensor, "pure": v.Pure}
}

func shareFile(s float64) string { return fmt.Sprintf("share-%g.txt", s) }

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Seed is the seed a mix, sweep or eval step runs with (and is keyed by):
// the spec's, or 1 when it gives none, as the commands default to.
func Seed(s uint64) uint64 {
	if s == 0 {
		return 1
	}
	return s
}

// ChunkTokens is the block size of a mix or sweep step: the spec's, or
// 512 tokens when it gives none.
func ChunkTokens(c int) int {
	if c <= 0 {
		return 512
	}
	return c
}

// EvalFormat is the layout of a built eval set: the spec's, or wikitext.
func EvalFormat(f string) string { return orDefault(f, "wikitext") }

func unitIsTokens(u string) bool { return u == "tokens" }
