package quantize

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/manifest"
)

// temp is where llama.cpp writes: a temporary name in the output's folder
// (a prefix for shards with keep-split), renamed when the run is complete.
type temp struct {
	target string   // the path given to llama_model_quantize
	files  []string // the files it writes there
	hold   string   // the placeholder that reserves the name, removed at the end
	done   bool
}

func newTemp(out string, keepSplit bool, shards int) (*temp, error) {
	dir, base := filepath.Split(out)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create output %s: %w", out, err)
	}
	f.Close()
	t := &temp{target: f.Name()}
	if !keepSplit {
		t.files = []string{f.Name()}
		return t, nil
	}
	t.hold = f.Name()
	for i := range shards {
		t.files = append(t.files, llama.SplitPath(t.target, i, shards))
	}
	return t, nil
}

// cleanup removes whatever is left under the temporary names.
func (t *temp) cleanup() {
	if !t.done {
		for _, f := range t.files {
			os.Remove(f)
		}
	}
	if t.hold != "" {
		os.Remove(t.hold)
	}
}

// commit syncs each written file and renames it to its final name.
func (t *temp) commit(outs []string) error {
	if len(outs) != len(t.files) {
		return fmt.Errorf("internal error: %d outputs for %d files", len(outs), len(t.files))
	}
	for i, f := range t.files {
		if err := syncFile(f); err != nil {
			return fmt.Errorf("write output %s: %w", outs[i], err)
		}
	}
	for i, f := range t.files {
		if err := os.Rename(f, outs[i]); err != nil {
			return fmt.Errorf("write output %s: %w", outs[i], err)
		}
	}
	t.done = true
	if d, err := os.Open(filepath.Dir(outs[0])); err == nil {
		d.Sync() // best effort: some file systems refuse to sync folders
		d.Close()
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(path, 0o644)
}

// describeOutput reads the written files back (with internal/gguf) and
// fills in the per-tensor type table, the sizes and the bits per weight.
func describeOutput(res *Result, m *model, files []string) error {
	inType := make(map[string]gguf.TensorType, len(m.Tensors))
	for _, t := range m.Tensors {
		inType[t.Name] = t.Type
	}
	res.TypeCounts = map[string]int{}
	for _, path := range files {
		r, err := gguf.Open(path)
		if err != nil {
			return fmt.Errorf("read back the output: %w", err)
		}
		st, err := os.Stat(path)
		if err != nil {
			r.Close()
			return err
		}
		res.OutputBytes += st.Size()
		for _, ti := range r.Tensors {
			n, err := ti.Size()
			if err != nil {
				r.Close()
				return fmt.Errorf("read back the output: %w", err)
			}
			res.OutputDataBytes += n
			res.Tensors = append(res.Tensors, TensorResult{Name: ti.Name, Shape: ti.Shape,
				InputType: inType[ti.Name].String(), Type: ti.Type.String(), Bytes: n})
			res.TypeCounts[ti.Type.String()]++
		}
		r.Close()
	}
	sort.Slice(res.Tensors, func(i, j int) bool { return res.Tensors[i].Name < res.Tensors[j].Name })
	if m.Elements > 0 {
		res.BitsPerWeight = 8 * float64(res.OutputDataBytes) / float64(m.Elements)
		res.InputBitsPerWeight = 8 * float64(m.Data) / float64(m.Elements)
	}
	return nil
}

// writeManifest writes OUT.manifest.json.
func writeManifest(res *Result, opts *Options, inputs []any) error {
	mf := manifest.New(opts.Output, opts.Command)
	for _, in := range inputs {
		mf.Inputs = append(mf.Inputs, in.(manifest.Input))
	}
	mf.Parameters["type"] = res.Type.Name
	mf.Parameters["ftype"] = int(res.Type.Ftype)
	mf.Parameters["threads"] = opts.Threads
	mf.Parameters["overrides"] = res.Overrides
	mf.Parameters["imatrix"] = opts.Imatrix
	mf.Parameters["llama_cpp_commit"] = llama.Commit
	mf.Counts["tensors"] = len(res.Tensors)
	mf.Counts["type_counts"] = res.TypeCounts
	mf.Counts["elements"] = res.Elements
	mf.Counts["input_bytes"] = res.InputBytes
	mf.Counts["output_bytes"] = res.OutputBytes
	mf.Counts["input_tensor_bytes"] = res.InputDataBytes
	mf.Counts["output_tensor_bytes"] = res.OutputDataBytes
	mf.Counts["bits_per_weight"] = res.BitsPerWeight
	mf.Counts["input_bits_per_weight"] = res.InputBitsPerWeight
	mf.Extra = map[string]any{
		"tensors":             res.Tensors,
		"outputs":             res.Outputs,
		"output_sha256":       res.OutputSHA256,
		"input_sha256_from":   res.InputSHA256From,
		"seconds":             res.Seconds,
		"hash_seconds":        res.HashSeconds,
		"output_hash_seconds": res.OutputHashSeconds,
		"quantize_seconds":    res.QuantizeSeconds,
	}
	if res.Imatrix != nil {
		mf.Extra["imatrix"] = res.Imatrix
	}
	return mf.Write()
}
