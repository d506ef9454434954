package study

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/calibkit/calibkit/study/engine"
	"github.com/calibkit/calibkit/study/plan"
	"github.com/calibkit/calibkit/study/results"
)

// record assembles a cell's record from its finished steps; it fails when
// one of them did not finish.
func (x *executor) record(c *plan.Cell) (*results.Record, error) {
	final := x.metas[c.Final()]
	if final == nil || (c.KLD != "" && x.metas[c.KLD] == nil) {
		return nil, fmt.Errorf("cell %s did not finish", c.ID)
	}
	st := x.p.Step(c.Final())
	s := x.p.Spec
	md, err := x.hasher.File(x.model)
	if err != nil {
		return nil, err
	}
	r := &results.Record{Study: s.Name, Index: c.Index, Cell: c.ID, Key: st.Key, Source: c.Source, SourceKind: st.Source.Kind,
		Share: st.Source.Share, Repeat: st.Source.Repeat, Baseline: x.p.Baseline, Variant: c.Variant,
		VariantParams: map[string]any{"type": st.Variant.Type, "output_tensor_type": st.Variant.OutputTensorType,
			"token_embedding_type": st.Variant.TokenEmbeddingType, "tensor_types": st.Variant.TensorTypes,
			"leave_output_tensor": st.Variant.LeaveOutputTensor, "pure": st.Variant.Pure},
		Eval: c.Eval, Engine: x.eng.Identity(), Model: s.Model, ModelSHA256: md.SHA256, Ctx: s.Settings.Ctx, Batch: s.Settings.Batch,
		Chunks: s.Settings.Chunks, ImatrixCh: s.Settings.ImatrixChunks, FlashAttn: s.Settings.FlashAttn,
		Seconds: map[string]float64{}, Finished: time.Now().UTC()}
	if c.TaskStep != "" {
		var tr engine.TaskResult
		if err := json.Unmarshal(final.Result, &tr); err != nil {
			return nil, fmt.Errorf("cell %s: task entry: %w", c.ID, err)
		}
		td, err := x.hasher.File(st.Task.File)
		if err != nil {
			return nil, err
		}
		r.Task = c.Task
		r.TaskScore = &results.TaskScore{TaskResult: tr, File: st.Task.File, SHA256: td.SHA256, Tasks: st.Task.Tasks, Parallel: st.Task.Parallel}
		r.Seconds["task"] = final.Seconds
	} else {
		var pr engine.PerplexityResult
		if err := json.Unmarshal(final.Result, &pr); err != nil {
			return nil, fmt.Errorf("cell %s: perplexity entry: %w", c.ID, err)
		}
		r.PPL, r.PPLError, r.ChunkNLL = pr.PPL, pr.PPLError, pr.ChunkNLL
		r.EvalParseSpecial = st.Eval.ParseSpecial
		r.Seconds["ppl"] = final.Seconds
		if fi, err := os.Stat(x.evalText(st.Eval)); err == nil {
			r.EvalBytes = fi.Size()
		}
	}
	q := x.metas[st.Deps[0]]
	var qr engine.QuantizeResult
	if json.Unmarshal(q.Result, &qr) == nil {
		r.QuantBytes = qr.Bytes
	}
	r.Seconds["quantize"] = q.Seconds
	if id := st.Source.Imatrix; id != "" {
		m := x.metas[id]
		var ir imatrixRecord
		if json.Unmarshal(m.Result, &ir) == nil {
			r.SourceBytes, r.SourceTokens, r.ImatrixChunks = ir.TextBytes, ir.TextTokens, ir.Chunks
			r.SourceCoverage = ir.Coverage
		}
		r.Seconds["imatrix"] = m.Seconds
		if t := st.Source.Text; t != "" {
			r.Seconds[x.p.Step(t).Kind] = x.metas[t].Seconds
		}
	}
	if c.KLD != "" {
		k := x.metas[c.KLD]
		var kr engine.KLDResult
		if err := json.Unmarshal(k.Result, &kr); err != nil {
			return nil, fmt.Errorf("cell %s: KLD entry: %w", c.ID, err)
		}
		r.KLD, r.ChunkKLD = kr.Stats, kr.ChunkKLD
		r.Seconds["kld"] = k.Seconds
	}
	return r, nil
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
