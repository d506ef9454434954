package synth

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"

	"github.com/calibkit/calibkit/internal/gguf"
)

// tensorSpec is one tensor of the model and how its values are drawn.
type tensorSpec struct {
	name  string
	shape []uint64 // ne0 first
	typ   gguf.TensorType
	// norm marks an RMS-norm weight: 1 plus uniform noise in ±normNoise.
	// Other tensors are approximately normal with standard deviation std.
	norm bool
	std  float64
}

// normNoise is the half-width of the noise on norm weights: enough that
// every input column is scaled differently, small enough to keep the norm
// near identity.
const normNoise = 0.1

func (t tensorSpec) numElements() int64 {
	n := int64(1)
	for _, d := range t.shape {
		n *= int64(d)
	}
	return n
}

// plan lists the tensors of the llama architecture that llama.cpp's loader
// creates for these options (llama-model.cpp, LLM_ARCH_LLAMA), in the order
// convert_hf_to_gguf.py writes them.
//
// Scales keep activations finite and logits spread out: token embeddings are
// N(0, 1) so the residual stream starts at unit RMS; every projection is
// N(0, 1/fan_in), so a unit-RMS input gives unit-variance outputs; norms
// are near 1. Matrices use the requested type; norms and the MoE router
// stay F32, as llama.cpp's converter keeps them.
func plan(o Options) []tensorSpec {
	mat := gguf.TensorF32
	if o.Type == TypeF16 {
		mat = gguf.TensorF16
	}
	u := func(v ...int) []uint64 {
		s := make([]uint64, len(v))
		for i, x := range v {
			s[i] = uint64(x)
		}
		return s
	}
	inv := func(fanIn int) float64 { return 1 / math.Sqrt(float64(fanIn)) }
	embd, vocab, ff := o.Embd, o.VocabSize, o.FF
	kv := o.HeadDim() * o.KVHeads
	q := o.HeadDim() * o.Heads

	ts := []tensorSpec{{name: "token_embd.weight", shape: u(embd, vocab), typ: mat, std: 1}}
	for i := 0; i < o.Layers; i++ {
		blk := func(n string) string { return fmt.Sprintf("blk.%d.%s.weight", i, n) }
		ts = append(ts,
			tensorSpec{name: blk("attn_norm"), shape: u(embd), typ: gguf.TensorF32, norm: true},
			tensorSpec{name: blk("attn_q"), shape: u(embd, q), typ: mat, std: inv(embd)},
			tensorSpec{name: blk("attn_k"), shape: u(embd, kv), typ: mat, std: inv(embd)},
			tensorSpec{name: blk("attn_v"), shape: u(embd, kv), typ: mat, std: inv(embd)},
			tensorSpec{name: blk("attn_output"), shape: u(q, embd), typ: mat, std: inv(q)},
			tensorSpec{name: blk("ffn_norm"), shape: u(embd), typ: gguf.TensorF32, norm: true},
		)
		if o.Experts == 0 {
			ts = append(ts,
				tensorSpec{name: blk("ffn_gate"), shape: u(embd, ff), typ: mat, std: inv(embd)},
				tensorSpec{name: blk("ffn_up"), shape: u(embd, ff), typ: mat, std: inv(embd)},
				tensorSpec{name: blk("ffn_down"), shape: u(ff, embd), typ: mat, std: inv(ff)},
			)
			continue
		}
		e := o.Experts
		ts = append(ts,
			tensorSpec{name: blk("ffn_gate_inp"), shape: u(embd, e), typ: gguf.TensorF32, std: inv(embd)},
			tensorSpec{name: blk("ffn_gate_exps"), shape: u(embd, ff, e), typ: mat, std: inv(embd)},
			tensorSpec{name: blk("ffn_up_exps"), shape: u(embd, ff, e), typ: mat, std: inv(embd)},
			tensorSpec{name: blk("ffn_down_exps"), shape: u(ff, embd, e), typ: mat, std: inv(ff)},
		)
	}
	ts = append(ts,
		tensorSpec{name: "output_norm.weight", shape: u(embd), typ: gguf.TensorF32, norm: true},
		tensorSpec{name: "output.weight", shape: u(embd, vocab), typ: mat, std: inv(embd)},
	)
	return ts
}

// source returns the tensor's own generator: PCG seeded by the model seed
// and a hash of the tensor name, so each tensor's values depend on nothing
// else and the file can be written in one streaming pass.
func (t tensorSpec) source(seed uint64) *rand.PCG {
	h := fnv.New64a()
	h.Write([]byte(t.name))
	return rand.NewPCG(seed, h.Sum64())
}

// fill draws the next len(dst) values of the tensor from src. The
// arithmetic is exact integer sums followed by one rounded multiply (and,
// for norms, one rounded add), with explicit conversions so no fused
// multiply-add can change a bit: the values are identical on every
// platform.
func (t tensorSpec) fill(src *rand.PCG, dst []float32) {
	if t.norm {
		const k = 2 * normNoise / (1 << 24)
		for i := range dst {
			// 24 random bits centred on zero, scaled to ±normNoise.
			d := float64(float64(int64(src.Uint64()>>40)-(1<<23)) * k)
			dst[i] = float32(1 + d)
		}
		return
	}
	// Irwin–Hall: the sum of four 16-bit uniforms, centred, has variance
	// 4/12 in units of 1/65536; sqrt(3) brings it to 1.
	scale := math.Sqrt(3) * t.std / 65536
	for i := range dst {
		x := src.Uint64()
		s := int64(x&0xFFFF) + int64(x>>16&0xFFFF) + int64(x>>32&0xFFFF) + int64(x>>48)
		dst[i] = float32(float64(s-131070) * scale)
	}
}

// chunkElems is how many values are drawn and encoded at a time.
const chunkElems = 1 << 16

// writeData streams the tensor's values to w in its GGUF type, checking ctx
// between chunks.
func (t tensorSpec) writeData(ctx context.Context, w io.Writer, seed uint64) error {
	src := t.source(seed)
	vals := make([]float32, chunkElems)
	elemSize := 4
	if t.typ == gguf.TensorF16 {
		elemSize = 2
	}
	buf := make([]byte, chunkElems*elemSize)
	for left := t.numElements(); left > 0; {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := int(min(left, chunkElems))
		t.fill(src, vals[:n])
		b := buf[:n*elemSize]
		if t.typ == gguf.TensorF16 {
			for i, v := range vals[:n] {
				binary.LittleEndian.PutUint16(b[2*i:], gguf.Float32ToHalf(v))
			}
		} else {
			for i, v := range vals[:n] {
				binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		left -= int64(n)
	}
	return nil
}
