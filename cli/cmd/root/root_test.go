package root

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
)

// TestRuntimeErrorsAreNotUsageErrors runs commands through the whole tree
// and cmdutil.Report, as the binary does: an input that does not exist
// fails the run (exit 1) with a message naming it, and no "Run 'calibkit
// --help' for usage", which only follows usage errors (exit 2).
func TestRuntimeErrorsAreNotUsageErrors(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	t.Setenv("HF_ENDPOINT", "http://127.0.0.1:1")
	dir := t.TempDir()
	m := filepath.Join(dir, "missing")
	text := filepath.Join(dir, "t.txt")
	if err := os.WriteFile(text, []byte("A line of text.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "s.yaml")
	if err := os.WriteFile(spec, []byte("model: missing.gguf\nimatrix: [none]\nvariants: [M]\neval: [{name: w, file: t.txt}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	tests := []struct {
		args    []string
		code    int
		mention string
	}{
		{[]string{"tokenize", "--sentences", "-f", m + ".txt"}, 1, m + ".txt"},
		{[]string{"corpus", "build", m + ".parquet", "--lang", "ja", "-o", out + ".jsonl"}, 1, m + ".parquet"},
		{[]string{"eval", "build", "--from", m + ".jsonl", "--bytes", "100", "-o", out}, 1, m + ".jsonl"},
		{[]string{"eval", "build", "--from", text, "--like", m + ".raw", "-o", out}, 1, m + ".raw"},
		{[]string{"mix", "--base", m + ".txt", "--add", "ja=" + m + ".jsonl", "--factor", "ja=1", "-o", out}, 1, m + ".txt"},
		{[]string{"sweep", "--base", m + ".txt", "--add", "ja=" + m + ".jsonl", "--shares", "0,1", "--total", "1KB", "-o", out}, 1, m + ".txt"},
		{[]string{"overlap", m + ".a", m + ".b"}, 1, m + ".a"},
		{[]string{"imatrix", "-m", m + ".gguf", "-f", text}, 1, m + ".gguf"},
		{[]string{"imatrix", "stats", m + ".gguf"}, 1, m + ".gguf"},
		{[]string{"imatrix", "compare", m + ".a", m + ".b"}, 1, m + ".a"},
		{[]string{"imatrix", "merge", m + ".a", m + ".b", "-o", out}, 1, m + ".a"},
		{[]string{"imatrix", "convert", m + ".dat", "-o", out + ".gguf"}, 1, m + ".dat"},
		{[]string{"quantize", m + ".gguf", out, "Q4_K_M"}, 1, m + ".gguf"},
		{[]string{"perplexity", "-m", m + ".gguf", "-f", text}, 1, m + ".gguf"},
		{[]string{"coverage", "-m", m + ".gguf", text}, 1, m + ".gguf"},
		{[]string{"tasks", "build", "hellaswag", "--from", m + ".jsonl", "-o", out}, 1, m + ".jsonl"},
		{[]string{"study", "plan", m + ".yaml"}, 1, m + ".yaml"},
		{[]string{"study", "plan", spec}, 1, m + ".gguf"},
		{[]string{"study", "run", spec, "-o", out}, 1, m + ".gguf"},
		{[]string{"study", "report", m}, 1, m},
		{[]string{"export", "dataset", m + ".txt", "-o", out}, 1, m + ".txt"},
		{[]string{"export", "model-card", m, "-o", out}, 1, m},
		{[]string{"upload", "me/x", m + ".txt"}, 1, m + ".txt"},
		{[]string{"tokenize", "--sentences", "-f", text, "-o", filepath.Join(m, "out.txt")}, 1, m},
		// usage errors, for contrast
		{[]string{"study", "run", spec}, 2, "-o/--output DIR is required"},
		{[]string{"perplexity", "-f", text, "--bogus"}, 2, "unknown flag: --bogus"},
		{[]string{"bogus"}, 2, `unknown command "bogus"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:min(2, len(tt.args))], "_"), func(t *testing.T) {
			ios, _, _, errOut := iostreams.Test()
			cmd := NewCmdRoot(ios)
			cmd.SetArgs(cmdutil.LlamaArgs(tt.args))
			_, err := cmd.ExecuteContextC(context.Background())
			code := cmdutil.Report(ios.ErrOut, err)
			msg := errOut.String()
			hint := strings.Contains(msg, "for usage")
			if code != tt.code || !strings.Contains(msg, tt.mention) || hint != (tt.code == cmdutil.ExitUsage) {
				t.Errorf("calibkit %s: exit %d, stderr:\n%s\nwant exit %d, a message naming %q, the usage hint only with exit 2",
					strings.Join(tt.args, " "), code, msg, tt.code, tt.mention)
			}
		})
	}
}
