package quantize

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/calibkit/calibkit/internal/filehash"
	"github.com/calibkit/calibkit/internal/llama"
)

// Options are the arguments and flags of one quantize run, spelled as
// llama-quantize's (types by name, as on its command line).
type Options struct {
	// Input is the model to quantize (IN.gguf); for a split model, its
	// first shard.
	Input string
	// Output is the quantized model (OUT.gguf). With KeepSplit, the
	// shards are named after it without ".gguf": OUT-0000i-of-0000n.gguf.
	Output string
	// Type is the TYPE argument: a name of Types (any case) or a number.
	Type string
	// Threads is the THREADS argument; 0 lets llama.cpp use every hardware
	// thread, as llama-quantize does without it.
	Threads int

	// Imatrix is an importance matrix file (GGUF or legacy .dat); "" for none.
	Imatrix string
	// IncludeWeights / ExcludeWeights keep or drop imatrix entries whose
	// name contains one of the strings (--include-weights/--exclude-weights).
	IncludeWeights, ExcludeWeights []string
	// AllowMissingImatrix quantizes weights that the imatrix has no entry
	// for without one (llama-quantize's behaviour) instead of refusing the
	// imatrix as made for another model.
	AllowMissingImatrix bool

	// OutputTensorType and TokenEmbeddingType name the ggml type of
	// output.weight and token_embd.weight ("q8_0", "f16"); "" leaves them to
	// llama.cpp.
	OutputTensorType, TokenEmbeddingType string
	// TensorTypes are --tensor-type PATTERN=TYPE overrides, in order.
	TensorTypes []string
	// LeaveOutputTensor keeps output.weight unquantized.
	LeaveOutputTensor bool
	// Pure gives every quantized tensor the type's default type.
	Pure bool
	// AllowRequantize allows quantizing tensors that are already quantized.
	AllowRequantize bool
	// KeepSplit writes one output shard per input shard.
	KeepSplit bool

	// Progress, if not nil, hears of each tensor as llama.cpp starts it.
	Progress func(Progress)
	// Command is the command line recorded in the manifest.
	Command []string
}

// Progress reports how far a run is.
type Progress struct {
	// Done and Total count tensors (every tensor of the model, quantized
	// or copied).
	Done, Total int
}

// TensorResult is one tensor of the output.
type TensorResult struct {
	Name      string   `json:"name"`
	Shape     []uint64 `json:"shape"`
	InputType string   `json:"input_type"`
	Type      string   `json:"type"`
	Bytes     uint64   `json:"bytes"`
}

// ImatrixInfo describes the importance matrix a run used.
type ImatrixInfo struct {
	Path     string   `json:"path"`
	Format   string   `json:"format"`
	SHA256   string   `json:"sha256"`
	Entries  int      `json:"entries"` // entries passed to llama.cpp (after the filters)
	InFile   int      `json:"entries_in_file"`
	Chunks   int      `json:"chunks"`
	Datasets []string `json:"datasets,omitempty"`
}

// Result is what a run produced.
type Result struct {
	Input  string `json:"input"`
	Output string `json:"output"`
	// Outputs lists the files written (several with KeepSplit);
	// OutputSHA256 their sha256, hashed once llama.cpp is done and kept in
	// calibkit's hash cache (internal/filehash) for uploads.
	Outputs      []string `json:"outputs"`
	OutputSHA256 []string `json:"output_sha256"`
	// Type is the resolved TYPE row.
	Type FileType `json:"type"`
	// InputSHA256 is the first input shard's sha256; InputSHA256From says
	// whether it was hashed or read from a Hugging Face cache blob name.
	InputSHA256     string       `json:"input_sha256"`
	InputSHA256From string       `json:"input_sha256_from"`
	Imatrix         *ImatrixInfo `json:"imatrix,omitempty"`
	// Overrides lists every override given, as on the command line.
	Overrides map[string]any `json:"overrides"`
	// InputBytes and OutputBytes are the file sizes (all shards);
	// InputDataBytes and OutputDataBytes the tensor data alone.
	InputBytes      int64  `json:"input_bytes"`
	OutputBytes     int64  `json:"output_bytes"`
	InputDataBytes  uint64 `json:"input_tensor_bytes"`
	OutputDataBytes uint64 `json:"output_tensor_bytes"`
	// Elements is the number of weights; BitsPerWeight is 8 ×
	// OutputDataBytes / Elements (InputBitsPerWeight for the input).
	Elements           uint64  `json:"elements"`
	BitsPerWeight      float64 `json:"bits_per_weight"`
	InputBitsPerWeight float64 `json:"input_bits_per_weight"`
	// Tensors is the per-tensor type table of the output, by name.
	Tensors []TensorResult `json:"tensors"`
	// TypeCounts counts the output tensors per type.
	TypeCounts map[string]int `json:"type_counts"`
	// HashSeconds is how long the run waited for the input hashes after
	// llama_model_quantize returned (hashing itself runs beside it at idle
	// priority); QuantizeSeconds times llama_model_quantize and the
	// overridden tensors calibkit quantizes itself after it (splice.go);
	// Seconds is the whole run. OutputHashSeconds is the hashing of the output.
	HashSeconds       float64 `json:"hash_seconds"`
	OutputHashSeconds float64 `json:"output_hash_seconds"`
	QuantizeSeconds   float64 `json:"quantize_seconds"`
	Seconds           float64 `json:"seconds"`
}

// plan is Options resolved and checked.
type plan struct {
	ftype           FileType
	outputType      *llama.GGMLType
	embdType        *llama.GGMLType
	tensorTypes     []llama.TensorType
	tensorTypeArgs  []string // tensorTypes as given, PATTERN=TYPE
	imatrix         map[string][]float32
	leaveOutput     bool
	pure            bool
	allowRequantize bool
	onlyCopy        bool

	// forced holds the tensors whose type an override decides, by name
	// (assignOverrides); llamaTensorTypes are the exact patterns and
	// copyTensors the tensors handed to llama.cpp for them.
	forced           map[string]*forced
	llamaTensorTypes []llama.TensorType
	copyTensors      []string
}

// Run quantizes opts.Input into opts.Output with the linked llama.cpp, as
// llama-quantize does. The overrides decide their tensors' types first, as
// llama-quantize (May 2026) decides them (assignOverrides), and calibkit
// makes the linked llama.cpp write those types. Everything that can be
// checked is checked before llama.cpp starts, on the types the tensors will
// get: the arguments, the input's format and size, the output path, the
// imatrix against the model, rows that a type cannot hold. The output is
// written under a temporary name in its folder and renamed when complete,
// with its manifest OUT.manifest.json; on an error or cancellation nothing
// is left under the output name. Cancelling ctx stops llama.cpp before its
// next tensor.
func Run(ctx context.Context, opts Options) (*Result, error) {
	t0 := time.Now()
	p, err := resolve(&opts)
	if err != nil {
		return nil, err
	}
	m, err := inspectModel(opts.Input)
	if err != nil {
		return nil, err
	}
	outs := outputNames(opts.Output, opts.KeepSplit, len(m.Paths))
	if err := checkOutputs(outs, m.Paths); err != nil {
		return nil, err
	}
	if err := assignOverrides(m, p); err != nil {
		return nil, err
	}
	var im *Imatrix
	if opts.Imatrix != "" {
		if im, err = LoadImatrix(opts.Imatrix, opts.IncludeWeights, opts.ExcludeWeights); err != nil {
			return nil, err
		}
		if err := checkImatrixFits(m, im, opts.LeaveOutputTensor, opts.AllowMissingImatrix); err != nil {
			return nil, err
		}
		p.imatrix = im.Values
	} else if len(opts.IncludeWeights)+len(opts.ExcludeWeights) > 0 {
		return nil, &UsageError{Msg: "--include-weights and --exclude-weights need --imatrix"}
	}
	if err := checkNeedsImatrix(m, p); err != nil {
		return nil, err
	}
	if err := checkRowsFit(m, p); err != nil {
		return nil, err
	}

	res := &Result{Input: opts.Input, Output: opts.Output, Type: p.ftype, Overrides: overrides(&opts),
		InputBytes: m.Bytes, InputDataBytes: m.Data, Elements: m.Elements}
	// hashing runs beside llama.cpp at idle priority (see hashInBackground)
	toHash := append([]string{}, m.Paths...)
	if im != nil {
		toHash = append(toHash, im.Path)
	}
	hctx, stopHash := context.WithCancel(ctx)
	defer stopHash()
	hashes := hashInBackground(hctx, toHash)

	tmp, err := newTemp(opts.Output, opts.KeepSplit, len(m.Paths))
	if err != nil {
		return nil, err
	}
	defer tmp.cleanup()
	qp := llama.QuantizeParams{
		FileType: p.ftype.Ftype, Threads: opts.Threads,
		OutputTensorType: p.outputType, TokenEmbeddingType: p.embdType,
		AllowRequantize: opts.AllowRequantize, LeaveOutputTensor: opts.LeaveOutputTensor,
		OnlyCopy: p.onlyCopy, Pure: opts.Pure, KeepSplit: opts.KeepSplit,
		Imatrix: p.imatrix, KVOverrides: im.Metadata(), TensorTypes: p.llamaTensorTypes, CopyTensors: p.copyTensors,
	}
	if opts.Progress != nil {
		qp.Progress = func(done, total int) { opts.Progress(Progress{Done: done, Total: total}) }
	}
	tq := time.Now()
	if err := llama.Quantize(ctx, opts.Input, tmp.target, qp); err != nil {
		return nil, err
	}
	if err := splice(ctx, tmp.files, p, opts.Threads); err != nil {
		return nil, err
	}
	res.QuantizeSeconds = time.Since(tq).Seconds()
	if opts.Progress != nil {
		opts.Progress(Progress{Done: len(m.Tensors), Total: len(m.Tensors)})
	}
	th := time.Now()
	ins, hows, err := hashes()
	if err != nil {
		return nil, err
	}
	res.HashSeconds = time.Since(th).Seconds()
	res.InputSHA256, res.InputSHA256From = ins[0].SHA256, hows[0]
	inputs := make([]any, len(ins))
	for i, in := range ins {
		inputs[i] = in
	}
	if im != nil {
		h := ins[len(ins)-1]
		res.Imatrix = &ImatrixInfo{Path: im.Path, Format: im.Format.String(), SHA256: h.SHA256,
			Entries: len(im.Values), InFile: len(im.All), Chunks: im.Chunks, Datasets: im.Datasets}
	}
	if err := describeOutput(res, m, tmp.files); err != nil {
		return nil, err
	}
	// the output's sha256, now that llama.cpp's threads are done (it is
	// in the page cache), for the manifest and for calibkit's hash cache,
	// so that an upload of the quant does not read it again
	to := time.Now()
	for _, f := range tmp.files {
		sum, err := filehash.HashFile(ctx, f)
		if err != nil {
			return nil, err
		}
		res.OutputSHA256 = append(res.OutputSHA256, sum.SHA256)
	}
	res.OutputHashSeconds = time.Since(to).Seconds()
	if err := tmp.commit(outs); err != nil {
		return nil, err
	}
	for i, o := range outs {
		filehash.Remember(o, res.OutputSHA256[i])
	}
	res.Outputs = outs
	res.Seconds = time.Since(t0).Seconds()
	if err := writeManifest(res, &opts, inputs); err != nil {
		return nil, err
	}
	return res, nil
}

// resolve parses the type names of opts.
func resolve(opts *Options) (*plan, error) {
	switch {
	case opts.Input == "":
		return nil, &UsageError{Msg: "no input model given"}
	case opts.Output == "":
		return nil, &UsageError{Msg: "no output path given"}
	case opts.Threads < 0:
		return nil, &UsageError{Msg: fmt.Sprintf("invalid thread count %d", opts.Threads)}
	case len(opts.IncludeWeights) > 0 && len(opts.ExcludeWeights) > 0:
		return nil, &UsageError{Msg: "--include-weights and --exclude-weights cannot be used together"}
	}
	ft, err := ParseFileType(opts.Type)
	if err != nil {
		return nil, err
	}
	p := &plan{ftype: ft, leaveOutput: opts.LeaveOutputTensor, pure: opts.Pure, allowRequantize: opts.AllowRequantize, onlyCopy: ft.Name == "COPY"}
	for _, o := range []struct {
		name string
		flag string
		dst  **llama.GGMLType
	}{{opts.OutputTensorType, "--output-tensor-type", &p.outputType}, {opts.TokenEmbeddingType, "--token-embedding-type", &p.embdType}} {
		if o.name == "" {
			continue
		}
		t, err := ParseGGMLType(o.name)
		if err != nil {
			return nil, &UsageError{Msg: o.flag + ": " + err.Error()}
		}
		*o.dst = &t
	}
	for _, s := range opts.TensorTypes {
		tt, err := ParseTensorType(s)
		if err != nil {
			return nil, err
		}
		p.tensorTypes = append(p.tensorTypes, tt)
		p.tensorTypeArgs = append(p.tensorTypeArgs, s)
	}
	return p, nil
}

// overrides lists the overrides given, for the manifest and the result.
func overrides(opts *Options) map[string]any {
	o := map[string]any{
		"leave_output_tensor": opts.LeaveOutputTensor, "pure": opts.Pure,
		"allow_requantize": opts.AllowRequantize, "keep_split": opts.KeepSplit,
	}
	if opts.OutputTensorType != "" {
		o["output_tensor_type"] = opts.OutputTensorType
	}
	if opts.TokenEmbeddingType != "" {
		o["token_embedding_type"] = opts.TokenEmbeddingType
	}
	if len(opts.TensorTypes) > 0 {
		o["tensor_types"] = opts.TensorTypes
	}
	if len(opts.IncludeWeights) > 0 {
		o["include_weights"] = opts.IncludeWeights
	}
	if len(opts.ExcludeWeights) > 0 {
		o["exclude_weights"] = opts.ExcludeWeights
	}
	if opts.AllowMissingImatrix {
		o["allow_missing_imatrix"] = true
	}
	return o
}

// outputNames returns the final output files: OUT, or with keepSplit one
// shard per input shard named after OUT without its ".gguf".
func outputNames(out string, keepSplit bool, n int) []string {
	if !keepSplit {
		return []string{out}
	}
	prefix := strings.TrimSuffix(out, ".gguf")
	names := make([]string, n)
	for i := range names {
		names[i] = llama.SplitPath(prefix, i, n)
	}
	return names
}

// checkOutputs refuses an output that is one of the inputs (also through a
// link) and a folder that does not exist.
func checkOutputs(outs, ins []string) error {
	for _, o := range outs {
		if dir := filepath.Dir(o); dir != "" {
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return fmt.Errorf("output %s: folder %s does not exist: create it first, or give another output path", o, dir)
			}
		}
		so, err := os.Stat(o)
		if err != nil {
			continue
		}
		for _, i := range ins {
			if si, err := os.Stat(i); err == nil && os.SameFile(so, si) {
				return &UsageError{Msg: fmt.Sprintf("output %s is the input model %s: give another output path", o, i)}
			}
		}
		if so.IsDir() {
			return fmt.Errorf("output %s is a folder", o)
		}
	}
	return nil
}

// ErrCancelled is wrapped by Run's error when ctx stopped it.
var ErrCancelled = llama.ErrQuantizeCancelled

// IsUsage reports whether err is a usage error (exit status 2).
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}
