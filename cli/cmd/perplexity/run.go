package perplexitycmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/calibkit/calibkit/cli/progress"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/perplexity"
)

// summary is what --json prints.
type summary struct {
	Model     string `json:"model"`
	Input     string `json:"input,omitempty"`
	Base      string `json:"kl_divergence_base,omitempty"`
	FlashAttn string `json:"flash_attn"`
	// ParseSpecial says whether special-token text was parsed (absent
	// with --kl-divergence, whose tokens come from the base file).
	ParseSpecial *bool   `json:"parse_special,omitempty"`
	Seconds      float64 `json:"seconds"`
	TokensPerS   float64 `json:"tokens_per_s"`
	*perplexity.Result
}

func perplexityRun(ctx context.Context, opts *Options) error {
	llama.SetVerbose(opts.IO.Verbose)
	errOut := opts.IO.ErrOut
	chatter := errOut
	if opts.IO.Quiet {
		chatter = io.Discard
	}
	var text string
	if !opts.KLD {
		b, err := os.ReadFile(opts.File)
		if err != nil {
			return fmt.Errorf("read text: %w", err)
		}
		// llama.cpp's -f drops one final newline
		text = strings.TrimSuffix(string(b), "\n")
		if err := resolveParseSpecial(opts, chatter); err != nil {
			return err
		}
	}
	m, err := llama.LoadModel(opts.Model, llama.ModelParams{})
	if err != nil {
		return err
	}
	defer m.Close()
	if opts.IO.Verbose {
		fmt.Fprintf(errOut, "system_info: %s\n", llama.SystemInfo())
	}
	po := perplexity.Options{
		NCtx: opts.CtxSize, NBatch: opts.BatchSize, NUBatch: opts.UBatchSize, Threads: opts.Threads,
		Chunks: max(opts.Chunks, 0), FlashAttn: opts.FlashAttn, Out: opts.IO.Out, Log: chatter,
	}
	if !opts.KLD {
		po.ParseSpecial = opts.ParseSpecial
	}
	if opts.JSON {
		po.Out = errOut // stdout carries the JSON
	}
	if opts.KLD {
		po.KLDBase = opts.KLDBase
		if !opts.CtxSet {
			po.NCtx = 0 // the base file's
		}
	} else if opts.KLDBase != "" {
		po.SaveBase = opts.KLDBase
	}
	var outBuf bytes.Buffer
	b := progress.New(ctx, opts.IO)
	if b.Active() {
		po.Progress = func(p perplexity.Progress) { b.Tokens("perplexity", p.Tokens, p.TotalChunks*p.ChunkSize, p.PPL) }
		po.Log = b.Writer()
		if po.Out == errOut {
			po.Out = &outBuf // shown after the bar, which owns the terminal meanwhile
		}
	}
	res, runErr := perplexity.Run(ctx, m, text, po)
	b.Finish(runErr == nil)
	if outBuf.Len() > 0 {
		errOut.Write(outBuf.Bytes())
	}
	if runErr != nil {
		name := opts.File
		if opts.KLD {
			name = opts.KLDBase
		}
		return fmt.Errorf("perplexity %s: %w", name, runErr)
	}
	fmt.Fprintf(chatter, "perplexity: %d chunks of %d tokens, %.1f tokens/s\n", res.Chunks, res.NCtx, res.TokensPerSecond())
	if po.SaveBase != "" {
		if err := writeManifest(opts, res); err != nil {
			return err
		}
	}
	if opts.JSON {
		s := summary{Model: opts.Model, Input: opts.File, Base: opts.KLDBase, FlashAttn: opts.FlashAttn.String(),
			Seconds: res.Elapsed.Seconds(), TokensPerS: res.TokensPerSecond(), Result: res}
		if opts.KLD {
			s.Input = ""
		} else {
			s.ParseSpecial = &opts.ParseSpecial
		}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(finite(s))
	}
	return nil
}

// resolveParseSpecial turns --parse-special on, unless it was given,
// when the -f file's manifest says the text carries special tokens, and
// says so on chatter.
func resolveParseSpecial(opts *Options, chatter io.Writer) error {
	if opts.ParseSpecialSet {
		return nil
	}
	special, err := manifest.SpecialTokensOf(opts.File)
	if err != nil {
		return fmt.Errorf("%s: %w", opts.File, err)
	}
	if special {
		opts.ParseSpecial = true
		fmt.Fprintf(chatter, "calibkit: %s is chat-formatted (its manifest says so): tokenizing its special tokens as special tokens, which llama-perplexity does not (--parse-special=false to score them as text)\n", opts.File)
	}
	return nil
}

// writeManifest records how a base file was made.
func writeManifest(opts *Options, res *perplexity.Result) error {
	m := manifest.New(opts.KLDBase, opts.Command)
	for _, in := range []string{opts.Model, opts.File} {
		if err := m.AddInput(in); err != nil {
			return err
		}
	}
	m.Parameters["ctx_size"] = res.NCtx
	m.Parameters["batch_size"] = res.NBatch
	m.Parameters["ubatch_size"] = opts.UBatchSize
	m.Parameters["chunks"] = opts.Chunks
	m.Parameters["flash_attn"] = opts.FlashAttn.String()
	m.Parameters["parse_special"] = opts.ParseSpecial
	m.Parameters["llama_cpp_commit"] = llama.Commit
	m.Counts["text_tokens"] = res.TextTokens
	m.Counts["n_vocab"] = res.NVocab
	m.Counts["chunks"] = res.Chunks
	m.Counts["scored"] = res.Scored
	m.Extra = map[string]any{"ppl": res.PPL, "ppl_error": res.PPLError, "seconds": res.Elapsed.Seconds()}
	if math.IsNaN(res.PPLError) {
		delete(m.Extra, "ppl_error")
	}
	return m.Write()
}

// finite turns v into JSON-ready values with every NaN or infinity as
// null (encoding/json refuses them).
func finite(v any) any {
	b, err := json.Marshal(v)
	if err == nil {
		return json.RawMessage(b)
	}
	// slow path: walk through a generic form with non-finite floats blanked
	return nanToNull(v)
}
