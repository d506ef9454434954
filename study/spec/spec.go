// Package spec reads a study file (STUDY.yaml): the model, the imatrix
// sources, the quant variants, the eval sets and the settings of an
// imatrix study. Unknown keys are refused with file:line:column, so that a
// typo cannot silently change a study.
package spec

import "gopkg.in/yaml.v3"

// Spec is one study as written in its YAML file. Paths are resolved
// against the file's folder by Load.
type Spec struct {
	// Name labels the study in reports.
	Name string `yaml:"name"`
	// Model is the GGUF to quantize: a path, or hf://OWNER/REPO/FILE.gguf
	// found in the Hugging Face cache.
	Model string `yaml:"model"`
	// LlamaCpp, when set, is the folder of llama.cpp's own tools: the
	// imatrix, quantize and perplexity steps run them instead of the
	// linked llama.cpp (the --llama-cpp flag wins over it).
	LlamaCpp string `yaml:"llama_cpp"`
	// Imatrix lists the imatrix sources; Variants the quant variants;
	// Eval the eval sets.
	Imatrix  []Source  `yaml:"imatrix"`
	Variants []Variant `yaml:"variants"`
	Eval     []EvalSet `yaml:"eval"`
	// Tasks lists the task sets: each quant is scored on each, beside
	// its perplexity on the eval sets.
	Tasks    []TaskSet `yaml:"tasks"`
	Settings Settings  `yaml:"settings"`
	// Notes are the study's caveats in its author's words (a source built
	// from more text than another, differences that may be noise);
	// calibkit export model-card prints them in the card.
	Notes []string `yaml:"notes"`

	// File is the spec's own path (set by Load).
	File string `yaml:"-"`

	root *yaml.Node // for the places of errors found after decoding
}

// Settings are the parameters every step shares.
type Settings struct {
	// Ctx is the chunk size of imatrix and perplexity (-c, default 512).
	Ctx int `yaml:"ctx"`
	// Chunks caps the perplexity chunks per eval set (0 or -1: all);
	// ImatrixChunks the imatrix chunks per source.
	Chunks        int `yaml:"chunks"`
	ImatrixChunks int `yaml:"imatrix_chunks"`
	// Threads for every step (0: the physical cores); Batch the logical
	// batch (-b, default 2048).
	Threads int `yaml:"threads"`
	Batch   int `yaml:"batch"`
	// KLDBase, when set, is the unquantized model: each cell's KL
	// divergence against it is measured too.
	KLDBase string `yaml:"kld_base"`
	// FlashAttn is llama.cpp's -fa for imatrix and perplexity: on, off or
	// auto; empty leaves each engine its default (the linked llama.cpp's
	// commands default to off, faster with its CPU kernels; llama.cpp's
	// tools to auto). Comparing engines, set it.
	FlashAttn string `yaml:"flash_attn"`
	// EvalParseSpecial is how perplexity and KL divergence tokenize an
	// eval set whose text is chat-formatted (its manifest marks special
	// tokens, or it is built from a chat corpus): "auto" (or empty)
	// parses its special tokens as the control tokens the model reads,
	// which only the linked engine can (llama-perplexity has no
	// --parse-special); "off" scores them as plain text, as
	// llama-perplexity does, in both engines.
	EvalParseSpecial string `yaml:"eval_parse_special"`
	// Baseline names the imatrix source every other one is compared with
	// (default: the first).
	Baseline string `yaml:"baseline"`
}

// Source is one imatrix source: exactly one of None, File, Text, Mix and
// Sweep. A plain string item "none" is Source{Name: "none", None: true}.
type Source struct {
	Name string `yaml:"name"`
	// None quantizes without an imatrix.
	None bool `yaml:"none"`
	// File is an existing imatrix (GGUF or legacy .dat).
	File string `yaml:"file"`
	// Text is a calibration text the imatrix is computed from.
	Text string `yaml:"text"`
	// Mix is a calibration mix calibkit builds (`calibkit mix`).
	Mix *MixRecipe `yaml:"mix"`
	// Sweep is a set of mixes at several shares of one total
	// (`calibkit sweep`), each its own imatrix source.
	Sweep *SweepRecipe `yaml:"sweep"`
}

// MixRecipe is `calibkit mix`: Base plus Add corpora, by Factor or by
// Share of Total.
type MixRecipe struct {
	Base    string             `yaml:"base"`
	Add     map[string]string  `yaml:"add"`
	Factor  map[string]float64 `yaml:"factor"`
	Share   map[string]float64 `yaml:"share"`
	Total   string             `yaml:"total"`
	Unit    string             `yaml:"unit"`
	Chunk   int                `yaml:"chunk_tokens"`
	Seed    uint64             `yaml:"seed"`
	Exclude []string           `yaml:"exclude"`
}

// SweepRecipe is `calibkit sweep`: one corpus added to Base at each of
// Shares of one Total, Repeats times with seeds Seed, Seed+1, ...
type SweepRecipe struct {
	Base    string            `yaml:"base"`
	Add     map[string]string `yaml:"add"`
	Shares  []float64         `yaml:"shares"`
	Total   string            `yaml:"total"`
	Unit    string            `yaml:"unit"`
	Chunk   int               `yaml:"chunk_tokens"`
	Seed    uint64            `yaml:"seed"`
	Nested  bool              `yaml:"nested"`
	Repeats int               `yaml:"repeats"`
	Exclude []string          `yaml:"exclude"`
}

// Variant is one quantization: a type and llama-quantize's overrides. The
// study's names M, L and fp16 stand alone as plain strings.
type Variant struct {
	Name               string   `yaml:"name"`
	Type               string   `yaml:"type"`
	OutputTensorType   string   `yaml:"output_tensor_type"`
	TokenEmbeddingType string   `yaml:"token_embedding_type"`
	TensorTypes        []string `yaml:"tensor_types"`
	LeaveOutputTensor  bool     `yaml:"leave_output_tensor"`
	Pure               bool     `yaml:"pure"`
}

// EvalSet is one text scored with perplexity: a File, or one built from a
// corpus (`calibkit eval build`).
type EvalSet struct {
	Name  string      `yaml:"name"`
	File  string      `yaml:"file"`
	Build *EvalRecipe `yaml:"build"`
}

// EvalRecipe is `calibkit eval build --from From --like Like`.
type EvalRecipe struct {
	From    string   `yaml:"from"`
	Like    string   `yaml:"like"`
	Bytes   string   `yaml:"bytes"`
	Unit    string   `yaml:"unit"`
	Format  string   `yaml:"format"`
	Seed    uint64   `yaml:"seed"`
	Exclude []string `yaml:"exclude"`
}

// TaskSet is one task file scored as llama-perplexity scores it
// (--hellaswag, --winogrande or --multiple-choice), e.g. one written by
// `calibkit tasks build`.
type TaskSet struct {
	Name string `yaml:"name"`
	File string `yaml:"file"`
	// Mode is hellaswag, winogrande or multiple-choice.
	Mode string `yaml:"mode"`
	// Tasks is --MODE-tasks: how many tasks to score, chosen as upstream
	// chooses them (0: upstream's default, 400 for HellaSwag, all for the
	// others).
	Tasks int `yaml:"tasks"`
	// Parallel is -np. 0 sizes it to the file (tasks.Parallel): upstream's
	// 4, or a multiple-choice file's largest answer count when above.
	Parallel int `yaml:"parallel"`
}

// Presets are the published study's variants by name.
var Presets = map[string]Variant{
	"M":    {Name: "M", Type: "Q4_K_M"},
	"L":    {Name: "L", Type: "Q4_K_M", OutputTensorType: "q8_0", TokenEmbeddingType: "q8_0"},
	"fp16": {Name: "fp16", Type: "Q4_K_M", OutputTensorType: "f16", TokenEmbeddingType: "f16"},
}

// HFPrefix starts a model address in the Hugging Face cache.
const HFPrefix = "hf://"
