package quantizecmd

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
	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/synth"
)

func TestFlagsParse(t *testing.T) {
	tests := []struct {
		args    string
		wantErr string
		check   func(*Options) string
	}{
		{args: "in.gguf out.gguf Q4_k_m", check: func(o *Options) string {
			r := o.Run
			if r.Input != "in.gguf" || r.Output != "out.gguf" || r.Type != "Q4_k_m" || r.Threads != 0 || r.Imatrix != "" || r.Pure {
				return fmt.Sprintf("parsed %+v", r)
			}
			return ""
		}},
		{args: "--imatrix im.dat --include-weights attn --include-weights ffn --output-tensor-type q8_0 --token-embedding-type F16 --tensor-type attn_v=q6_k --tensor-type ffn_down=q5_k --leave-output-tensor --pure --allow-requantize --allow-missing-imatrix --json m/in.gguf o.gguf 15 8",
			check: func(o *Options) string {
				r := o.Run
				if r.Imatrix != "im.dat" || strings.Join(r.IncludeWeights, ",") != "attn,ffn" || r.OutputTensorType != "q8_0" || r.TokenEmbeddingType != "F16" ||
					strings.Join(r.TensorTypes, " ") != "attn_v=q6_k ffn_down=q5_k" || !r.LeaveOutputTensor || !r.Pure || !r.AllowRequantize ||
					!r.AllowMissingImatrix || !o.JSON || r.Type != "15" || r.Threads != 8 || r.Output != "o.gguf" {
					return fmt.Sprintf("parsed %+v", r)
				}
				return ""
			}},
		// llama-quantize's IN TYPE form: the output goes beside IN
		{args: "models/in.gguf q8_0 4", check: func(o *Options) string {
			if o.Run.Output != filepath.Join("models", "ggml-model-Q8_0.gguf") || o.Run.Threads != 4 {
				return fmt.Sprintf("output %q, threads %d", o.Run.Output, o.Run.Threads)
			}
			return ""
		}},
		{args: "--keep-split in.gguf out.gguf Q8_0", check: func(o *Options) string {
			if o.Run.Output != "out" || !o.Run.KeepSplit {
				return fmt.Sprintf("keep-split output %q", o.Run.Output)
			}
			return ""
		}},
		{args: "--list-types", check: func(o *Options) string {
			if !o.ListTypes {
				return "list-types not set"
			}
			return ""
		}},
		{args: "", wantErr: "want IN.gguf"},
		{args: "in.gguf", wantErr: "want IN.gguf"},
		{args: "in.gguf out.gguf", wantErr: "missing TYPE"},
		{args: "in.gguf out.gguf Q4_K_Z", wantErr: "--list-types"},
		{args: "in.gguf out.gguf Q8_0 x", wantErr: "invalid THREADS"},
		{args: "in.gguf out.gguf Q8_0 2 3", wantErr: "at most 4"},
		{args: "--output-tensor-type q9 in.gguf out.gguf Q8_0", wantErr: "--output-tensor-type"},
		{args: "--tensor-type attn_q in.gguf out.gguf Q8_0", wantErr: "malformed"},
		{args: "--include-weights a --exclude-weights b in.gguf out.gguf Q8_0", wantErr: "cannot be used together"},
		{args: "--list-types in.gguf", wantErr: "takes no arguments"},
		{args: "--bogus in.gguf out.gguf Q8_0", wantErr: "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdQuantize, tt.args, tt.wantErr)
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

func run(t *testing.T, args string) (string, string, error) {
	t.Helper()
	io, _, out, errOut := iostreams.Test()
	cmd := NewCmdQuantize(io, nil)
	cmd.SetContext(context.Background())
	err := cmdtest.Execute(cmd, args)
	return out.String(), errOut.String(), err
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.gguf")
	if err := synth.WriteFile(in, synth.Default()); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.gguf")
	stdout, _, err := run(t, fmt.Sprintf("--json --token-embedding-type f16 %s %s q8_0 1", in, out))
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Output  string         `json:"output"`
		Tensors []any          `json:"tensors"`
		Counts  map[string]int `json:"type_counts"`
		BPW     float64        `json:"bits_per_weight"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("--json: %v\n%s", err, stdout)
	}
	if sum.Output != out || sum.Counts["F16"] != 1 || sum.Counts["Q8_0"] == 0 || sum.BPW < 8 || sum.BPW > 12 {
		t.Errorf("summary %+v", sum)
	}
	r, err := gguf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if _, err := manifest.Read(manifest.Path(out)); err != nil {
		t.Error(err)
	}

	// bad input: exit 1, nothing under the output name
	bad := filepath.Join(dir, "bad.gguf")
	os.WriteFile(bad, []byte("not a model"), 0o644)
	out2 := filepath.Join(dir, "out2.gguf")
	_, _, err = run(t, fmt.Sprintf("%s %s Q8_0", bad, out2))
	if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitFailed || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad input: %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	if _, err := os.Stat(out2); err == nil {
		t.Error("output left after a failure")
	}
	// output = input: usage error
	_, _, err = run(t, fmt.Sprintf("%s %s Q8_0", in, in))
	cmdtest.WantUsageError(t, err, "is the input model")

	// --list-types
	stdout, _, err = run(t, "--list-types")
	if err != nil || !strings.Contains(stdout, "Q4_K_M") || !strings.Contains(stdout, "15") || !strings.Contains(stdout, "COPY") {
		t.Errorf("--list-types: %v\n%s", err, stdout)
	}
}
