package train

import (
	"crypto/sha256"
	"fmt"
	"io"
	"slices"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/synth"
)

// trainKeys are the metadata entries a trained model carries besides
// synth's.
func trainKeys(o Options, r *Result) []gguf.KV {
	return []gguf.KV{
		{Key: "calibkit.train.steps", Value: uint32(r.Steps)},
		{Key: "calibkit.train.window", Value: uint32(o.Window)},
		{Key: "calibkit.train.lr", Value: o.LR},
		{Key: "calibkit.train.seed", Value: o.Seed},
	}
}

// writeModel writes out atomically: the metadata of the initial model
// (llama_model_save_to_file rewrites some of it, context_length among
// them, to the training window), extra entries, and the tensors of the
// saved one in the initial model's order.
func writeModel(initPath, savedPath, out string, extra []gguf.KV) error {
	ir, err := gguf.Open(initPath)
	if err != nil {
		return err
	}
	defer ir.Close()
	sr, err := gguf.Open(savedPath)
	if err != nil {
		return err
	}
	defer sr.Close()
	gw := gguf.NewWriter()
	for _, kv := range append(slices.Clone(ir.KVs), extra...) {
		if err := gw.AddKV(kv.Key, kv.Value); err != nil {
			return err
		}
	}
	for _, t := range ir.Tensors {
		st, ok := sr.Tensor(t.Name)
		if !ok || st.Type != t.Type || !slices.Equal(st.Shape, t.Shape) {
			return fmt.Errorf("saved model %s: tensor %s is missing or changed shape or type", savedPath, t.Name)
		}
		err := gw.AddTensor(t.Name, t.Type, t.Shape, func(w io.Writer) error {
			d, err := sr.TensorData(st)
			if err != nil {
				return err
			}
			_, err = io.Copy(w, d)
			return err
		})
		if err != nil {
			return err
		}
	}
	f, err := atomicfile.Create(out)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := gw.WriteTo(f); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	return f.Commit()
}

func writeManifest(o Options, mo synth.Options, r *Result) error {
	m := manifest.New(o.Output, o.Command)
	for _, in := range o.Inputs {
		if err := m.AddInput(in); err != nil {
			return err
		}
	}
	p := m.Parameters
	p["layers"], p["embd"], p["ff"], p["heads"], p["kv_heads"] = mo.Layers, mo.Embd, mo.FF, mo.Heads, mo.KVHeads
	p["vocab"], p["vocab_size"], p["ctx"], p["model_seed"] = mo.Vocab, mo.VocabSize, mo.Ctx, mo.Seed
	p["window"], p["steps"], p["epochs"], p["lr"], p["min_lr_ratio"] = o.Window, r.Steps, o.Epochs, o.LR, o.MinLRRatio
	p["warmup"], p["weight_decay"], p["held_out"], p["seed"] = o.Warmup, o.WeightDecay, o.HeldOut, o.Seed
	p["optimizer"] = "adamw (beta1 0.9, beta2 0.999, eps 1e-8)"
	p["schedule"] = "linear warm-up, cosine decay"
	p["threads"] = o.Threads
	if len(mo.Special) > 0 {
		p["special_tokens"] = mo.Special
		p["parse_special"] = true
	}
	if mo.ChatTemplate != "" {
		p["chat_template_sha256"] = fmt.Sprintf("%x", sha256.Sum256([]byte(mo.ChatTemplate)))
	}
	m.Counts["parameters"] = r.Parameters
	m.Counts["tokens"] = r.Tokens
	m.Counts["windows"] = r.Windows
	m.Counts["seconds"] = r.Seconds
	m.Counts["tokens_per_second"] = r.TokensPerSecond
	m.Counts["files"] = r.Files
	m.Extra = map[string]any{"loss_curve": r.Loss}
	return m.Write()
}
