package perplexitycmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/synth"
)

func TestFlagsParse(t *testing.T) {
	tests := []struct {
		args    string
		wantErr string
		check   func(*Options) string
	}{
		{args: "-m m.gguf -f t.txt", check: func(o *Options) string {
			if o.CtxSize != 512 || o.CtxSet || o.BatchSize != 2048 || o.UBatchSize != 512 || o.Chunks != -1 ||
				o.FlashAttn != llama.FlashAttnOff || o.KLD || o.KLDBase != "" || o.JSON {
				return fmt.Sprintf("defaults %+v", o)
			}
			return ""
		}},
		{args: "-m m.gguf -f t.txt -c 256 -b 1024 -ub 128 -t 3 --chunks 9 -fa on --kl-divergence-base b.kld --json", check: func(o *Options) string {
			if o.CtxSize != 256 || !o.CtxSet || o.BatchSize != 1024 || o.UBatchSize != 128 || o.Threads != 3 || o.Chunks != 9 ||
				o.FlashAttn != llama.FlashAttnOn || o.KLDBase != "b.kld" || o.KLD || !o.JSON {
				return fmt.Sprintf("parsed %+v", o)
			}
			return ""
		}},
		{args: "-m m.gguf --kl-divergence-base b.kld --kl-divergence -fa=auto", check: func(o *Options) string {
			if !o.KLD || o.File != "" || o.FlashAttn != llama.FlashAttnAuto {
				return fmt.Sprintf("parsed %+v", o)
			}
			return ""
		}},
		{args: "-m m.gguf -f t.txt -c 512 -b 256"}, // a batch smaller than a chunk
		{args: "-m m.gguf -f t.txt", check: func(o *Options) string {
			if o.ParseSpecial || o.ParseSpecialSet {
				return fmt.Sprintf("parse special %v, set %v without the flag", o.ParseSpecial, o.ParseSpecialSet)
			}
			return ""
		}},
		{args: "-m m.gguf -f t.txt --parse-special=false", check: func(o *Options) string {
			if o.ParseSpecial || !o.ParseSpecialSet {
				return fmt.Sprintf("parse special %v, set %v", o.ParseSpecial, o.ParseSpecialSet)
			}
			return ""
		}},
		{args: "-m m.gguf -f t.txt --parse-special", check: func(o *Options) string {
			if !o.ParseSpecial || !o.ParseSpecialSet {
				return fmt.Sprintf("parse special %v, set %v", o.ParseSpecial, o.ParseSpecialSet)
			}
			return ""
		}},
		{args: "-m m.gguf --kl-divergence-base b.kld --kl-divergence --parse-special=false"},
		{args: "-m m.gguf --kl-divergence-base b.kld --kl-divergence --parse-special", wantErr: "tokens come from the base file"},
		{args: "-m m.gguf -f t.bin --hellaswag --parse-special", wantErr: "does not apply to --hellaswag"},
		{args: "-f t.txt", wantErr: "-m/--model is required"},
		{args: "-m m.gguf", wantErr: "-f/--file is required"},
		{args: "-m m.gguf --kl-divergence", wantErr: "needs --kl-divergence-base"},
		{args: "-m m.gguf -f t.txt -c 512 -b 1000", wantErr: "multiple of --ctx-size"},
		{args: "-m m.gguf -f t.txt -c 0", wantErr: "--ctx-size must be positive"},
		{args: "-m m.gguf -f t.txt --chunks 0", wantErr: "--chunks"},
		{args: "-m m.gguf -f t.txt -fa sometimes", wantErr: "want on, off or auto"},
		{args: "-m m.gguf -f t.txt extra", wantErr: "unknown command"},
		{args: "-m m.gguf -f t.txt --bogus", wantErr: "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdPerplexity, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if tt.check != nil {
				if msg := tt.check(got); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

func evalText(paragraphs int) string {
	var b strings.Builder
	for i := range paragraphs {
		fmt.Fprintf(&b, "第%d段落：朝の駅はいつも混雑している。電車が到着すると、人々は静かに列を作って乗り込む。", i+1)
		fmt.Fprintf(&b, "Paragraph %d: the morning train carries %d people past rice fields and mountains.\n", i+1, 37*i%101)
	}
	return b.String()
}

// setup writes two models with the same vocabulary and a text.
func setup(t *testing.T) (dir, base, quant, text string) {
	t.Helper()
	dir = t.TempDir()
	base, quant, text = filepath.Join(dir, "base.gguf"), filepath.Join(dir, "q.gguf"), filepath.Join(dir, "eval.txt")
	o := synth.Default()
	if err := synth.WriteFile(base, o); err != nil {
		t.Fatal(err)
	}
	o.Seed = 9
	if err := synth.WriteFile(quant, o); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(text, []byte(evalText(60)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, base, quant, text
}

func execute(t *testing.T, args string) (string, string, error) {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	err := cmdtest.Execute(NewCmdPerplexity(io, nil), args)
	return out.String(), errOut.String(), err
}

func TestRunPerplexityAndKLD(t *testing.T) {
	dir, base, quant, text := setup(t)
	out, errOut, err := execute(t, fmt.Sprintf("-m %s -f %s -c 64 -t 1 --chunks 4", base, text))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "[1]") || strings.Count(out, "[") != 4 || !strings.Contains(errOut, "Final estimate: PPL = ") {
		t.Fatalf("stdout %q stderr %q", out, errOut)
	}

	kld := filepath.Join(dir, "base.kld")
	if _, _, err := execute(t, fmt.Sprintf("-m %s -f %s -c 64 -t 1 --kl-divergence-base %s", base, text, kld)); err != nil {
		t.Fatal(err)
	}
	man, err := manifest.Read(manifest.Path(kld))
	if err != nil || len(man.Inputs) != 2 || man.Parameters["ctx_size"] != float64(64) {
		t.Fatalf("manifest %+v, %v", man, err)
	}
	out, _, err = execute(t, fmt.Sprintf("-m %s -t 1 --kl-divergence-base %s --kl-divergence --json", quant, kld))
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Mode     string `json:"mode"`
		Chunks   int    `json:"chunks"`
		ChunkNLL []struct {
			Sum   float64 `json:"sum"`
			Count int     `json:"count"`
		} `json:"chunk_nll"`
		KLD *struct {
			KLD     float64 `json:"kld"`
			SameTop float64 `json:"same_top"`
		} `json:"kld"`
		TokensPerS float64 `json:"tokens_per_s"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	if sum.Mode != "kld" || sum.Chunks == 0 || len(sum.ChunkNLL) != sum.Chunks || sum.KLD == nil || sum.KLD.KLD <= 0 || sum.TokensPerS <= 0 {
		t.Fatalf("summary %+v", sum)
	}
}

func TestRunBadInput(t *testing.T) {
	dir, base, quant, text := setup(t)
	notGGUF := filepath.Join(dir, "not.gguf")
	os.WriteFile(notGGUF, []byte("plain text, not a model\n"), 0o644)
	whole, _ := os.ReadFile(base)
	truncated := filepath.Join(dir, "trunc.gguf")
	os.WriteFile(truncated, whole[:len(whole)/2], 0o644)
	arch := filepath.Join(dir, "arch.gguf")
	unknown := strings.Replace(string(whole), "llama.block_count", "fooba.block_count", 1)
	unknown = strings.Replace(unknown, "\x05\x00\x00\x00\x00\x00\x00\x00llama", "\x05\x00\x00\x00\x00\x00\x00\x00fooba", 1)
	os.WriteFile(arch, []byte(unknown), 0o644)
	short := filepath.Join(dir, "short.txt")
	os.WriteFile(short, []byte("only a few words\n"), 0o644)
	kld := filepath.Join(dir, "b.kld")
	o := synth.Default()
	o.VocabSize = 1024
	small := filepath.Join(dir, "v1024.gguf")
	if err := synth.WriteFile(small, o); err != nil {
		t.Fatal(err)
	}
	if _, _, err := execute(t, fmt.Sprintf("-m %s -f %s -c 64 -t 1 --kl-divergence-base %s", base, text, kld)); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ args, want string }{
		{fmt.Sprintf("-m %s -f %s", notGGUF, text), notGGUF},
		{fmt.Sprintf("-m %s -f %s", truncated, text), truncated},
		{fmt.Sprintf("-m %s -f %s", arch, text), "fooba"},
		{fmt.Sprintf("-m %s -f %s -c 512", base, short), "needs at least 1024"},
		{fmt.Sprintf("-m %s -f %s", base, filepath.Join(dir, "missing.txt")), "missing.txt"},
		{fmt.Sprintf("-m %s --kl-divergence-base %s --kl-divergence", small, kld), "vocabulary of 2048 tokens"},
		{fmt.Sprintf("-m %s --kl-divergence-base %s --kl-divergence", quant, text), "not a KL-divergence base file"},
		{fmt.Sprintf("-m %s -f %s -c 512 --kl-divergence-base %s", base, short, filepath.Join(dir, "new.kld")), "needs at least"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			_, _, err := execute(t, c.args+" -t 1")
			if err == nil || !strings.Contains(err.Error(), c.want) || cmdutil.ExitCode(err) != cmdutil.ExitFailed {
				t.Fatalf("error %v (exit %d), want a failure mentioning %q", err, cmdutil.ExitCode(err), c.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "new.kld")); err == nil {
		t.Fatal("a failed run left its base file")
	}
}

func TestCancelled(t *testing.T) {
	_, base, _, text := setup(t)
	io, _, _, _ := iostreams.Test()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cmd := NewCmdPerplexity(io, nil)
	cmd.SetArgs([]string{"-m", base, "-f", text, "-c", "64", "-t", "1"})
	if err := cmd.ExecuteContext(ctx); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Fatalf("error %v", err)
	}
}
