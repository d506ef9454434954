package quantize

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/llama"
)

// tensor is one tensor of the input model.
type tensor struct {
	Name  string
	Shape []uint64
	Type  gguf.TensorType
	Bytes uint64
}

// ne returns dimension i of the tensor (1 beyond its dimensions).
func (t tensor) ne(i int) uint64 {
	if i < len(t.Shape) {
		return t.Shape[i]
	}
	return 1
}

// nDims is ggml_n_dims: the dimensions up to the last one above 1.
func (t tensor) nDims() int {
	n := 1
	for i, d := range t.Shape {
		if d > 1 {
			n = i + 1
		}
	}
	return n
}

// model is what the checks need to know of the input: its shards, its
// architecture and its tensors sorted by name (llama-quant.cpp's order).
type model struct {
	Paths    []string
	Arch     string
	Tensors  []tensor
	Bytes    int64 // all shards
	Elements uint64
	Data     uint64 // tensor bytes
}

var splitName = regexp.MustCompile(`^(.*)-(\d{5})-of-(\d{5})\.gguf$`)

// inspectModel reads the header of the model at path (and of its other
// shards when split) and checks that every tensor's data lies within its
// file, so that a truncated download is refused with its name.
func inspectModel(path string) (*model, error) {
	m := &model{}
	r, err := openModel(path)
	if err != nil {
		return nil, err
	}
	shards := []string{path}
	if n, err := r.Uint("split.count"); err == nil && n > 1 {
		sm := splitName.FindStringSubmatch(path)
		if sm == nil || sm[2] != "00001" {
			r.Close()
			return nil, fmt.Errorf("model %s is shard of a %d-part split model: give its first shard, named PREFIX-00001-of-%05d.gguf", path, n, n)
		}
		shards = shards[:0]
		for i := range int(n) {
			shards = append(shards, llama.SplitPath(sm[1], i, int(n)))
		}
	}
	r.Close()
	for i, p := range shards {
		r, err := openModel(p)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			m.Arch, _ = r.String("general.architecture")
		}
		st, err := os.Stat(p)
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("model %s: %w", p, err)
		}
		m.Bytes += st.Size()
		for _, ti := range r.Tensors {
			n, err := ti.Size()
			if err != nil {
				r.Close()
				return nil, fmt.Errorf("model %s: %w", p, err)
			}
			if end := uint64(r.DataOffset) + ti.Offset + n; end > uint64(st.Size()) {
				r.Close()
				return nil, fmt.Errorf("model %s is truncated: tensor %s ends at byte %d but the file has %d bytes; download it again", p, ti.Name, end, st.Size())
			}
			m.Tensors = append(m.Tensors, tensor{Name: ti.Name, Shape: ti.Shape, Type: ti.Type, Bytes: n})
			m.Elements += ti.NumElements()
			m.Data += n
		}
		r.Close()
	}
	if m.Arch == "" {
		return nil, fmt.Errorf("model %s has no general.architecture: not a llama.cpp model", path)
	}
	sort.Slice(m.Tensors, func(i, j int) bool { return m.Tensors[i].Name < m.Tensors[j].Name })
	m.Paths = shards
	return m, nil
}

func openModel(path string) (*gguf.Reader, error) {
	r, err := gguf.Open(path)
	if err != nil {
		if os.IsNotExist(err) || strings.Contains(err.Error(), "no such file") {
			return nil, fmt.Errorf("model %s: %w", path, err)
		}
		return nil, fmt.Errorf("model %s is not a readable GGUF file (%v): give a GGUF model, e.g. one converted with llama.cpp's convert_hf_to_gguf.py", path, err)
	}
	return r, nil
}

// quantizable reports whether llama-quant.cpp (pinned) considers the tensor
// for quantization at all: names ending in "weight", two or more
// dimensions, and none of the names it keeps as they are.
func quantizable(t tensor, leaveOutput bool) bool {
	name := t.Name
	if !strings.HasSuffix(name, "weight") || t.nDims() < 2 {
		return false
	}
	if leaveOutput && name == "output.weight" {
		return false
	}
	for _, s := range keepAsIs {
		if strings.Contains(name, s) {
			return false
		}
	}
	return name != "position_embd.weight" && name != "token_types.weight"
}

// keepAsIs lists the name parts llama-quant.cpp never quantizes.
var keepAsIs = []string{
	"_norm.weight", "ffn_gate_inp.weight", "altup", "laurel", "per_layer_model_proj",
	"ssm_conv1d.weight", "shortconv.conv.weight",
	"time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight", "time_mix_w2.weight",
	"time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight", "time_mix_a0.weight",
	"time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight",
	"time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight",
	"attn_rel_b.weight", ".position_embd.",
}

func shapeString(s []uint64) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.FormatUint(d, 10)
	}
	return strings.Join(parts, "×")
}
