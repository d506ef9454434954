package synth

import (
	"context"
	"fmt"
	"io"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/gguf"
)

// Hyperparameters llama.cpp reads that synth does not let the user change.
const (
	RMSNormEps = 1e-5
	RopeBase   = 10000
)

// Write writes the model described by o to w as GGUF.
func Write(w io.Writer, o Options) error {
	return WriteContext(context.Background(), w, o)
}

// WriteContext is Write that stops with ctx's error when ctx is cancelled.
func WriteContext(ctx context.Context, w io.Writer, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	gw, err := newWriter(ctx, o)
	if err != nil {
		return err
	}
	if _, err := gw.WriteTo(w); err != nil {
		return fmt.Errorf("write synthetic model: %w", err)
	}
	return nil
}

// WriteFile writes the model described by o to path atomically: an error
// leaves no file under path.
func WriteFile(path string, o Options) error {
	return WriteFileContext(context.Background(), path, o)
}

// WriteFileContext is WriteFile that stops, leaving no file, when ctx is
// cancelled.
func WriteFileContext(ctx context.Context, path string, o Options) error {
	if err := o.Validate(); err != nil {
		return err
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := WriteContext(ctx, f, o); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Commit()
}

// newWriter assembles the metadata and tensor list; tensor data is drawn
// only while the writer streams it.
func newWriter(ctx context.Context, o Options) (*gguf.Writer, error) {
	size := o.VocabSize - len(o.Special)
	v, err := BuildVocab(o.Vocab, size)
	if o.VocabText != "" {
		v, err = BuildVocabFrom(o.Vocab, size, withoutSpecial(o.VocabText, o.Special))
	}
	if err != nil {
		return nil, err
	}
	if err := v.addSpecial(o.Special); err != nil {
		return nil, err
	}
	gw := gguf.NewWriter()
	for _, kv := range metadata(o, v) {
		if err := gw.AddKV(kv.Key, kv.Value); err != nil {
			return nil, err
		}
	}
	for _, t := range plan(o) {
		t := t
		err := gw.AddTensor(t.name, t.typ, t.shape, func(w io.Writer) error {
			return t.writeData(ctx, w, o.Seed)
		})
		if err != nil {
			return nil, err
		}
	}
	return gw, nil
}

// metadata returns the GGUF keys in the order convert_hf_to_gguf.py writes
// them: general.*, the llama.* hyperparameters llama.cpp's loader reads for
// LLM_ARCH_LLAMA, then the tokenizer.
func metadata(o Options, v *Vocab) []gguf.KV {
	u := func(n int) uint32 { return uint32(n) }
	kvs := []gguf.KV{
		{Key: "general.architecture", Value: "llama"},
		{Key: "general.type", Value: "model"},
		{Key: "general.name", Value: o.name()},
		{Key: "general.file_type", Value: o.FileType()},
		{Key: "llama.vocab_size", Value: u(o.VocabSize)},
		{Key: "llama.context_length", Value: u(o.Ctx)},
		{Key: "llama.embedding_length", Value: u(o.Embd)},
		{Key: "llama.block_count", Value: u(o.Layers)},
		{Key: "llama.feed_forward_length", Value: u(o.FF)},
		{Key: "llama.attention.head_count", Value: u(o.Heads)},
		{Key: "llama.attention.head_count_kv", Value: u(o.KVHeads)},
		{Key: "llama.attention.layer_norm_rms_epsilon", Value: float32(RMSNormEps)},
		{Key: "llama.rope.dimension_count", Value: u(o.HeadDim())},
		{Key: "llama.rope.freq_base", Value: float32(RopeBase)},
	}
	if o.Experts > 0 {
		kvs = append(kvs,
			gguf.KV{Key: "llama.expert_count", Value: u(o.Experts)},
			gguf.KV{Key: "llama.expert_used_count", Value: u(o.ExpertsUsed)},
		)
	}
	kvs = append(kvs, gguf.KV{Key: "tokenizer.ggml.model", Value: v.Model})
	if v.Pre != "" {
		kvs = append(kvs, gguf.KV{Key: "tokenizer.ggml.pre", Value: v.Pre})
	}
	kvs = append(kvs, gguf.KV{Key: "tokenizer.ggml.tokens", Value: v.Tokens})
	if v.Scores != nil {
		kvs = append(kvs, gguf.KV{Key: "tokenizer.ggml.scores", Value: v.Scores})
	}
	kvs = append(kvs, gguf.KV{Key: "tokenizer.ggml.token_type", Value: v.Types})
	if v.Merges != nil {
		kvs = append(kvs, gguf.KV{Key: "tokenizer.ggml.merges", Value: v.Merges})
	}
	kvs = append(kvs,
		gguf.KV{Key: "tokenizer.ggml.bos_token_id", Value: uint32(v.BOS)},
		gguf.KV{Key: "tokenizer.ggml.eos_token_id", Value: uint32(v.EOS)},
	)
	if v.UNK >= 0 {
		kvs = append(kvs, gguf.KV{Key: "tokenizer.ggml.unknown_token_id", Value: uint32(v.UNK)})
	}
	kvs = append(kvs,
		gguf.KV{Key: "tokenizer.ggml.add_bos_token", Value: v.AddBOS},
		gguf.KV{Key: "tokenizer.ggml.add_eos_token", Value: false},
	)
	if o.ChatTemplate != "" {
		kvs = append(kvs, gguf.KV{Key: "tokenizer.chat_template", Value: o.ChatTemplate})
	}
	return kvs
}
