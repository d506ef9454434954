package modelcard

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/calibkit/calibkit/internal/hubcard"
	"github.com/calibkit/calibkit/study/engine"
	"github.com/calibkit/calibkit/study/results"
	"github.com/calibkit/calibkit/study/spec"
)

// modelVar stands for the model's path in a command line; it prints as
// "$MODEL", set by the commands' first line.
const modelVar = "\x00MODEL"

// Commands are the lines that rebuild one artifact: calibkit's own and
// llama.cpp's tools.
type Commands struct {
	What     string   `json:"what"`
	Calibkit []string `json:"calibkit"`
	LlamaCpp []string `json:"llama_cpp"`
}

// join quotes a command line, leaving $MODEL to the shell.
func join(args []string) string {
	return strings.ReplaceAll(hubcard.ShellJoin(args), "'"+modelVar+"'", `"$MODEL"`)
}

// modelLine sets $MODEL: the recorded path, or the Hub download of an
// hf:// model (huggingface-cli prints the file's local path).
func modelLine(model string) string {
	if m, err := spec.ParseHFModel(model); err == nil {
		return "MODEL=$(huggingface-cli " + hubcard.ShellJoin([]string{"download", m.Repo, m.File, "--revision", m.Revision}) + ")"
	}
	return "MODEL=" + hubcard.ShellJoin([]string{model})
}

// toCalibkit turns a llama.cpp tool's arguments into calibkit's: the same
// flags, but -fa is --flash-attn and the per-chunk rows are printed
// by --json instead of --ppl-output-type.
func toCalibkit(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-fa":
			out = append(out, "--flash-attn")
		case "--ppl-output-type":
			i++
			continue
		default:
			out = append(out, args[i])
		}
	}
	return out
}

// flashArgs makes the attention path explicit where the two tools'
// defaults differ: calibkit's commands default to off, llama.cpp's tools
// to auto; an empty setting meant the engine's default.
func flashArgs(c *engine.Common, eng string) (llama, calibkit string) {
	if c.FlashAttn != "" {
		return c.FlashAttn, c.FlashAttn
	}
	if strings.HasPrefix(eng, "linked") {
		return "off", ""
	}
	return "", "auto"
}

func withFlash(args []string, fa string) []string {
	if fa == "" {
		return args
	}
	return append(args, "-fa", fa)
}

func withFlashCK(args []string, fa string) []string {
	if fa == "" {
		return args
	}
	return append(args, "--flash-attn", fa)
}

// quantName is the file name the commands give a variant's quant.
func quantName(variant, source string) string {
	return fmt.Sprintf("model-%s-%s.gguf", variant, source)
}

// rebuild lists the commands that rebuild each imatrix, quant and
// perplexity of the study, named after the source and variant; evalPath
// gives an eval set's text.
func rebuild(recs []*results.Record, srcs []Source, evalPath func(string) string) []Commands {
	var out []Commands
	r0 := recs[0]
	common := engine.Common{Ctx: r0.Ctx, Batch: r0.Batch}
	llFA, ckFA := flashArgs(&engine.Common{FlashAttn: r0.FlashAttn}, r0.Engine)
	imatrixOf := map[string]string{}
	madeSeen := map[string]bool{}
	for _, s := range srcs {
		switch s.Kind {
		case "none":
			continue
		case "file":
			imatrixOf[s.ID] = orText(s.File, "IMATRIX-"+s.ID+".gguf")
			continue
		}
		im := "imatrix-" + s.ID + ".gguf"
		imatrixOf[s.ID] = im
		text := orText(s.Text, "TEXT-"+s.ID+".txt")
		args := engine.ImatrixArgs(engine.ImatrixJob{Common: common, Model: modelVar, Text: text, Output: im, Chunks: r0.ImatrixCh})
		c := Commands{What: "imatrix of source " + s.ID}
		if len(s.Made) > 1 && !slices.Contains(s.Made, "--step") {
			made := join(append([]string{"calibkit"}, s.Made[1:]...))
			if !madeSeen[made] {
				madeSeen[made] = true
				c.Calibkit = append(c.Calibkit, made+"   # its text, as its manifest records")
			}
		}
		c.Calibkit = append(c.Calibkit, join(append([]string{"calibkit", "imatrix"}, withFlashCK(toCalibkit(args), ckFA)...)))
		c.LlamaCpp = append(c.LlamaCpp, join(append([]string{"llama-imatrix"}, withFlash(args, llFA)...)))
		out = append(out, c)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		q := quantName(r.Variant, r.Source)
		if !seen[q] {
			seen[q] = true
			j := engine.QuantizeJob{Model: modelVar, Imatrix: imatrixOf[r.Source], Output: q}
			p := r.VariantParams
			j.Type, _ = p["type"].(string)
			j.OutputTensorType, _ = p["output_tensor_type"].(string)
			j.TokenEmbeddingType, _ = p["token_embedding_type"].(string)
			if tt, ok := p["tensor_types"].([]any); ok {
				for _, t := range tt {
					if s, ok := t.(string); ok {
						j.TensorTypes = append(j.TensorTypes, s)
					}
				}
			}
			j.LeaveOutputTensor, _ = p["leave_output_tensor"].(bool)
			j.Pure, _ = p["pure"].(bool)
			args := engine.QuantizeArgs(j)
			out = append(out, Commands{What: fmt.Sprintf("quant %s with imatrix source %s", r.Variant, r.Source),
				Calibkit: []string{join(append([]string{"calibkit", "quantize"}, args...))},
				LlamaCpp: []string{join(append([]string{"llama-quantize"}, args...))}})
		}
	}
	for _, r := range recs {
		args := engine.PerplexityArgs(engine.PerplexityJob{Common: common, Model: quantName(r.Variant, r.Source), Text: evalPath(r.Eval), Chunks: r.Chunks})
		out = append(out, Commands{What: "perplexity of cell " + r.Cell,
			Calibkit: []string{join(append([]string{"calibkit", "perplexity"}, withFlashCK(toCalibkit(args), ckFA)...))},
			LlamaCpp: []string{join(append([]string{"llama-perplexity"}, withFlash(args, llFA)...))}})
	}
	return out
}

// evalPaths maps eval set names to their text: the spec's file, or the
// built set in the study's cache.
func (f *folder) evalPaths() func(string) string {
	return func(name string) string {
		if f.spec != nil {
			for _, e := range f.spec.Eval {
				if e.Name == name && e.File != "" {
					return e.File
				}
			}
		}
		if f.plan != nil {
			for _, e := range f.plan.Evals {
				if e.Name == name && e.Build != "" {
					if d := f.entry(e.Build); d != "" {
						return filepath.Join(d, "eval.txt")
					}
				}
			}
		}
		return "EVAL-" + name + ".txt"
	}
}
