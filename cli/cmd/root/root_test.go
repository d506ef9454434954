package root

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/synth"
)

// TestRuntimeErrorsAreNotUsageErrors runs commands through the whole tree
// and cmdutil.Report, as the binary does: an input that does not exist,
// a bad spec or task-type file, an output folder that cannot be written
// fail the run (exit 1) with a last line naming the file and saying what
// to do, and no "Run 'calibkit --help' for usage", which only follows
// usage errors (exit 2), naming the command that was run.
func TestRuntimeErrorsAreNotUsageErrors(t *testing.T) {
	t.Setenv("HF_HUB_OFFLINE", "1")
	t.Setenv("HF_ENDPOINT", "http://127.0.0.1:1")
	dir := t.TempDir()
	m := filepath.Join(dir, "missing")
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	text := write("t.txt", "A line of text.\n")
	spec := write("s.yaml", "model: missing.gguf\nimatrix: [none]\nvariants: [M]\neval: [{name: w, file: t.txt}]\n")
	badSpec := write("bad.yaml", "model: t.txt\nimatrix: [none]\nvariants: [M]\neval: [{name: w, file: t.txt}]\nsettings: {chunk: 3}\n")
	badTypes := write("types.txt", "attn_v=q8_0\nffn_down\n")
	model := filepath.Join(dir, "tiny.gguf")
	if err := synth.WriteFile(model, synth.Default()); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	const checkPath = "; check the path"
	notFolder := text + " is not a folder: give another output path"
	tests := []struct {
		args    []string
		code    int
		mention string // in the message
		ends    string // how the message ends (what to do), when it is a runtime error
	}{
		{[]string{"tokenize", "--sentences", "-f", m + ".txt"}, 1, m + ".txt", checkPath},
		{[]string{"corpus", "build", m + ".parquet", "--lang", "ja", "-o", out + ".jsonl"}, 1, m + ".parquet", checkPath},
		{[]string{"eval", "build", "--from", m + ".jsonl", "--bytes", "100", "-o", out}, 1, m + ".jsonl", checkPath},
		{[]string{"eval", "build", "--from", text, "--like", m + ".raw", "-o", out}, 1, m + ".raw", checkPath},
		{[]string{"mix", "--base", m + ".txt", "--add", "ja=" + m + ".jsonl", "--factor", "ja=1", "-o", out}, 1, m + ".txt", checkPath},
		{[]string{"sweep", "--base", m + ".txt", "--add", "ja=" + m + ".jsonl", "--shares", "0,1", "--total", "1KB", "-o", out}, 1, m + ".txt", checkPath},
		{[]string{"overlap", m + ".a", m + ".b"}, 1, m + ".a", checkPath},
		{[]string{"imatrix", "-m", m + ".gguf", "-f", text}, 1, m + ".gguf", checkPath},
		{[]string{"imatrix", "stats", m + ".gguf"}, 1, m + ".gguf", checkPath},
		{[]string{"imatrix", "compare", m + ".a", m + ".b"}, 1, m + ".a", checkPath},
		{[]string{"imatrix", "merge", m + ".a", m + ".b", "-o", out}, 1, m + ".a", checkPath},
		{[]string{"imatrix", "convert", m + ".dat", "-o", out + ".gguf"}, 1, m + ".dat", checkPath},
		{[]string{"quantize", m + ".gguf", out, "Q4_K_M"}, 1, m + ".gguf", checkPath},
		{[]string{"quantize", "--tensor-type-file", m + ".txt", text, out, "Q4_K_M"}, 1, m + ".txt", checkPath},
		{[]string{"quantize", "--tensor-type-file", badTypes, text, out, "Q4_K_M"}, 1, badTypes + ", line 2", "want PATTERN=TYPE (e.g. attn_q=q8_0)"},
		{[]string{"quantize", model, filepath.Join(m, "q.gguf"), "Q4_K_M"}, 1, m, "create it first, or give another output path"},
		{[]string{"perplexity", "-m", m + ".gguf", "-f", text}, 1, m + ".gguf", checkPath},
		{[]string{"perplexity", "-m", m + ".gguf", "-f", m + ".mc", "--multiple-choice"}, 1, m + ".mc", checkPath},
		{[]string{"coverage", "-m", m + ".gguf", text}, 1, m + ".gguf", checkPath},
		{[]string{"tasks", "build", "hellaswag", "--from", m + ".jsonl", "-o", out}, 1, m + ".jsonl", checkPath},
		{[]string{"study", "plan", m + ".yaml"}, 1, m + ".yaml", checkPath},
		{[]string{"study", "plan", spec}, 1, m + ".gguf", "(paths are relative to the spec's folder)"},
		{[]string{"study", "run", spec, "-o", out}, 1, m + ".gguf", "(paths are relative to the spec's folder)"},
		{[]string{"study", "plan", badSpec}, 1, badSpec + ":5:12: unknown key \"chunk\"", ")"},
		{[]string{"study", "report", m}, 1, m, "run the study first (calibkit study run STUDY.yaml -o " + m + ")"},
		{[]string{"export", "dataset", m + ".txt", "-o", out}, 1, m + ".txt", checkPath},
		{[]string{"export", "model-card", m, "-o", out}, 1, m, "(give the -o DIR of calibkit study run)"},
		{[]string{"upload", "me/x", m + ".txt"}, 1, m + ".txt", checkPath},
		{[]string{"tokenize", "--sentences", "-f", text, "-o", filepath.Join(m, "out.txt")}, 1, m, "create it first, or give another output path"},
		{[]string{"tokenize", "--sentences", "-f", text, "-o", filepath.Join(text, "out.txt")}, 1, notFolder, notFolder},
		{[]string{"model", "synth", "-o", filepath.Join(m, "x.gguf")}, 1, m, "create it first, or give another output path"},
		// usage errors, for contrast
		{[]string{"study", "run", spec}, 2, "-o/--output DIR is required", ""},
		{[]string{"study", "plan"}, 2, "accepts 1 arg(s), received 0", ""},
		{[]string{"perplexity", "-f", text, "--bogus"}, 2, "unknown flag: --bogus", ""},
		{[]string{"perplexity", "-m", text, "-f", text, "--multiple-choice", "-np", "-1"}, 2, "-np/--parallel must be 0", ""},
		{[]string{"bogus"}, 2, `unknown command "bogus" for "calibkit"`, ""},
		{[]string{"study", "bogus"}, 2, `unknown command "bogus" for "calibkit study" (its commands: run, plan, report)`, ""},
		{[]string{"corpus", "bild"}, 2, `did you mean "calibkit corpus build"?`, ""},
		{[]string{"completion", "bogus"}, 2, `unknown command "bogus" for "calibkit completion"`, ""},
		{[]string{"help", "study", "bogus"}, 2, `unknown help topic "study bogus"`, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:min(2, len(tt.args))], "_"), func(t *testing.T) {
			ios, _, stdout, errOut := iostreams.Test()
			cmd := NewCmdRoot(ios)
			cmd.SetArgs(cmdutil.LlamaArgs(tt.args))
			c, err := cmd.ExecuteContextC(context.Background())
			code := cmdutil.Report(ios.ErrOut, c, err)
			lines := strings.Split(strings.TrimSuffix(errOut.String(), "\n"), "\n")
			last := lines[len(lines)-1]
			msg, ok := last, true
			if tt.code == cmdutil.ExitUsage {
				path := c.CommandPath()
				if tt.args[0] == "help" {
					path = "calibkit" // the help to read is calibkit's, not help's
				}
				hint := "Run '" + path + " --help' for usage."
				ok = len(lines) >= 2 && last == hint && c.CommandPath() != ""
				msg = lines[max(0, len(lines)-2)]
			} else {
				ok = !strings.Contains(errOut.String(), "for usage") && strings.HasSuffix(last, tt.ends)
			}
			if code != tt.code || !ok || !strings.HasPrefix(msg, "calibkit: ") || !strings.Contains(msg, tt.mention) || stdout.Len() > 0 {
				t.Errorf("calibkit %s: exit %d, stdout %d bytes, stderr:\n%s\nwant exit %d, a message naming %q ending with %q, the usage hint (naming the command) only with exit 2",
					strings.Join(tt.args, " "), code, stdout.Len(), errOut.String(), tt.code, tt.mention, tt.ends)
			}
		})
	}
}
