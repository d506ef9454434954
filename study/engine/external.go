package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/calibkit/calibkit/imatrix"
)

// External runs llama.cpp's own tools from Dir.
type External struct {
	Dir string
	id  string
}

// Tools are the programs External needs in its folder.
var Tools = []string{"llama-imatrix", "llama-quantize", "llama-perplexity"}

// NewExternal checks that dir holds the tools and names them by their
// contents' sha256 (so a rebuilt llama.cpp is a new engine for the cache).
func NewExternal(dir string) (*External, error) {
	h := sha256.New()
	for _, t := range Tools {
		p := filepath.Join(dir, t)
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("--llama-cpp %s: %w (the folder must hold %s)", dir, err, strings.Join(Tools, ", "))
		}
		h.Write(b)
	}
	return &External{Dir: dir, id: "llama.cpp:" + hex.EncodeToString(h.Sum(nil))[:16]}, nil
}

// Name implements Engine.
func (e *External) Name() string { return "llama.cpp" }

// Identity implements Engine.
func (e *External) Identity() string { return e.id }

func common(c Common) []string {
	args := []string{"-c", strconv.Itoa(c.Ctx), "-b", strconv.Itoa(c.Batch)}
	if c.Threads > 0 {
		args = append(args, "-t", strconv.Itoa(c.Threads))
	}
	if c.FlashAttn != "" {
		args = append(args, "-fa", c.FlashAttn)
	}
	return args
}

func chunks(n int) []string {
	if n > 0 {
		return []string{"--chunks", strconv.Itoa(n)}
	}
	return nil
}

// run runs a tool; its stdout is returned and, with its stderr, copied to
// log. A cancelled context stops it with SIGINT, then kills it.
func (e *External) run(ctx context.Context, log io.Writer, tool string, args ...string) (string, string, error) {
	if log == nil {
		log = io.Discard
	}
	cmd := exec.CommandContext(ctx, filepath.Join(e.Dir, tool), args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 5e9
	var out, errb bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, log)
	cmd.Stderr = io.MultiWriter(&errb, log)
	fmt.Fprintf(log, "$ %s %s\n", tool, strings.Join(args, " "))
	err := cmd.Run()
	if ctx.Err() != nil {
		return "", "", ctx.Err()
	}
	if err != nil {
		var ee *exec.ExitError
		tail := lastLines(errb.String(), 3)
		if errors.As(err, &ee) {
			return "", "", fmt.Errorf("%s failed (%v): %s", tool, ee, tail)
		}
		return "", "", fmt.Errorf("%s: %w", tool, err)
	}
	return out.String(), errb.String(), nil
}

// Attempts is how many times a tool run that exits 0 without its closing
// line is tried: the asynchronous logger of llama.cpp's tools of May 2026
// (../shared) now and then loses the end of their output at exit, about
// one run in ten at a load of 4 on 2 cores and several in a row when
// three test packages run the tools at once.
var Attempts = 8

// runComplete runs a tool until its output holds done (in stdout or
// stderr), at most Attempts times.
func (e *External) runComplete(ctx context.Context, log io.Writer, done, tool string, args ...string) (string, string, error) {
	for try := 1; ; try++ {
		out, errs, err := e.run(ctx, log, tool, args...)
		if err != nil {
			return "", "", err
		}
		if strings.Contains(out, done) || strings.Contains(errs, done) {
			return out, errs, nil
		}
		if try == Attempts {
			return "", "", fmt.Errorf("%s exited 0 without printing %q, %d times: its output was cut short (see the step log)", tool, done, try)
		}
		fmt.Fprintf(orDiscard(log), "%s exited 0 without printing %q (output cut short): running it again\n", tool, done)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// Imatrix implements Engine with llama-imatrix.
func (e *External) Imatrix(ctx context.Context, j ImatrixJob) (*ImatrixResult, error) {
	if _, _, err := e.runComplete(ctx, j.Log, "Final estimate", "llama-imatrix", ImatrixArgs(j)...); err != nil {
		return nil, err
	}
	d, err := imatrix.ReadFile(j.Output)
	if err != nil {
		return nil, fmt.Errorf("llama-imatrix's output: %w", err)
	}
	return &ImatrixResult{Chunks: d.ChunkCount, ChunkSize: d.ChunkSize, Entries: len(d.Entries)}, nil
}

// Quantize implements Engine with llama-quantize.
func (e *External) Quantize(ctx context.Context, j QuantizeJob) (*QuantizeResult, error) {
	if _, _, err := e.runComplete(ctx, j.Log, "total time", "llama-quantize", QuantizeArgs(j)...); err != nil {
		return nil, err
	}
	fi, err := os.Stat(j.Output)
	if err != nil {
		return nil, fmt.Errorf("llama-quantize's output: %w", err)
	}
	return &QuantizeResult{Bytes: fi.Size()}, nil
}

// ErrParseSpecial is the error of a perplexity job that asks llama.cpp's
// tools to parse special tokens: llama-perplexity has no --parse-special.
var ErrParseSpecial = errors.New("llama-perplexity cannot parse special tokens (it has no --parse-special): " +
	"score this chat-formatted eval set with the linked engine (run without --llama-cpp), " +
	"or set `settings: eval_parse_special: off` to score its special tokens as text in both engines")

// Perplexity implements Engine with llama-perplexity --ppl-output-type 1.
func (e *External) Perplexity(ctx context.Context, j PerplexityJob) (*PerplexityResult, error) {
	if j.ParseSpecial {
		return nil, fmt.Errorf("perplexity of %s on %s: %w", j.Model, j.Text, ErrParseSpecial)
	}
	out, log, err := e.runComplete(ctx, j.Log, "Final estimate", "llama-perplexity", PerplexityArgs(j)...)
	if err != nil {
		return nil, err
	}
	return ParsePerplexity(out, log)
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// SaveKLDBase implements Engine with llama-perplexity --kl-divergence-base.
func (e *External) SaveKLDBase(ctx context.Context, j PerplexityJob, out string) error {
	if j.ParseSpecial {
		return fmt.Errorf("KL-divergence base of %s on %s: %w", j.Model, j.Text, ErrParseSpecial)
	}
	args := append([]string{"-m", j.Model, "-f", j.Text, "--kl-divergence-base", out}, common(j.Common)...)
	args = append(args, chunks(j.Chunks)...)
	_, _, err := e.runComplete(ctx, j.Log, "Final estimate", "llama-perplexity", args...)
	return err
}

// KLD implements Engine with llama-perplexity --kl-divergence.
func (e *External) KLD(ctx context.Context, model, base string, j PerplexityJob) (*KLDResult, error) {
	args := append([]string{"-m", model, "--kl-divergence-base", base, "--kl-divergence"}, common(j.Common)...)
	args = append(args, chunks(j.Chunks)...)
	out, _, err := e.runComplete(ctx, j.Log, "Same top p:", "llama-perplexity", args...)
	if err != nil {
		return nil, err
	}
	return ParseKLD(strings.NewReader(out))
}

// ImatrixArgs are the llama-imatrix arguments of a job, as External runs
// them (the tool's name not included).
func ImatrixArgs(j ImatrixJob) []string {
	args := append([]string{"-m", j.Model, "-f", j.Text, "-o", j.Output, "--output-format", "gguf"}, common(j.Common)...)
	if j.ParseSpecial {
		args = append(args, "--parse-special")
	}
	return append(args, chunks(j.Chunks)...)
}

// QuantizeArgs are the llama-quantize arguments of a job, as External
// runs them: overrides, IN, OUT, TYPE and the threads when set.
func QuantizeArgs(j QuantizeJob) []string {
	var args []string
	if j.Imatrix != "" {
		args = append(args, "--imatrix", j.Imatrix)
	}
	if j.OutputTensorType != "" {
		args = append(args, "--output-tensor-type", j.OutputTensorType)
	}
	if j.TokenEmbeddingType != "" {
		args = append(args, "--token-embedding-type", j.TokenEmbeddingType)
	}
	for _, t := range j.TensorTypes {
		args = append(args, "--tensor-type", t)
	}
	if j.LeaveOutputTensor {
		args = append(args, "--leave-output-tensor")
	}
	if j.Pure {
		args = append(args, "--pure")
	}
	args = append(args, j.Model, j.Output, j.Type)
	if j.Threads > 0 {
		args = append(args, strconv.Itoa(j.Threads))
	}
	return args
}

// PerplexityArgs are the llama-perplexity arguments of a job, as External
// runs them (--ppl-output-type 1 prints the per-chunk rows it reads).
func PerplexityArgs(j PerplexityJob) []string {
	args := append([]string{"-m", j.Model, "-f", j.Text, "--ppl-output-type", "1"}, common(j.Common)...)
	return append(args, chunks(j.Chunks)...)
}
