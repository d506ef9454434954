package root

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/iostreams"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ios, _, out, _ := iostreams.Test()
	cmd := NewCmdRoot(ios)
	cmd.SetArgs(args)
	_, err := cmd.ExecuteContextC(context.Background())
	return out.String(), err
}

// TestHelpGroups: calibkit --help lists every command once, in groups
// that follow the common path (data, calibration, quantize and score,
// studies, publish, tools), in pipeline order within each.
func TestHelpGroups(t *testing.T) {
	out, err := run(t, "--help")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		title string
		cmds  []string
	}{
		{"Data:", []string{"fetch", "wikitext", "corpus", "eval", "tasks"}},
		{"Calibration:", []string{"mix", "sweep", "overlap", "coverage", "imatrix"}},
		{"Quantize and score:", []string{"quantize", "perplexity"}},
		{"Studies:", []string{"study", "demo"}},
		{"Publish on the Hugging Face Hub:", []string{"export", "upload"}},
		{"Tools:", []string{"model", "tokenize", "version", "completion", "help"}},
	}
	var got []string
	for _, line := range strings.Split(out, "\n") {
		if m := regexp.MustCompile(`^  ([a-z-]+) {2,}\S`).FindStringSubmatch(line); m != nil {
			got = append(got, m[1])
		} else if strings.HasSuffix(line, ":") && !strings.HasPrefix(line, " ") && line != "Usage:" && line != "Examples:" && line != "Flags:" {
			got = append(got, line)
		}
	}
	var wantList []string
	for _, g := range want {
		wantList = append(wantList, g.title)
		wantList = append(wantList, g.cmds...)
	}
	if strings.Join(got, " ") != strings.Join(wantList, " ") {
		t.Errorf("--help lists\n%q\nwant\n%q", got, wantList)
	}
	for _, stale := range []string{"Japanese and\nEnglish corpora", "Additional Commands"} {
		if strings.Contains(out, stale) {
			t.Errorf("--help still says %q", stale)
		}
	}
	for _, now := range []string{"37 Wikipedia languages", "perplexity, KL divergence and task accuracy", "Hugging Face Hub"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), now) {
			t.Errorf("--help does not say %q", now)
		}
	}
}

// TestGroupHelpHasOneUsageLine: a command that only groups others (study)
// prints its help without arguments and keeps one usage line.
func TestGroupHelpHasOneUsageLine(t *testing.T) {
	for _, args := range [][]string{{"study"}, {"study", "--help"}} {
		out, err := run(t, args...)
		if err != nil || !strings.Contains(out, "Usage:\n  calibkit study [command]\n\n") {
			t.Errorf("calibkit %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if out, err := run(t, "help", "study", "plan"); err != nil || !strings.Contains(out, "Usage:\n  calibkit study plan ") {
		t.Errorf("calibkit help study plan: %v\n%s", err, out)
	}
	// a command that runs and has subcommands keeps both lines
	if out, _ := run(t, "imatrix", "--help"); !strings.Contains(out, "  calibkit imatrix -m MODEL.gguf") || !strings.Contains(out, "  calibkit imatrix [command]") {
		t.Errorf("imatrix --help:\n%s", out)
	}
}

// TestCompletionScripts: calibkit completion writes cobra's script for
// each shell the README documents, for the calibkit program.
func TestCompletionScripts(t *testing.T) {
	tests := []struct{ shell, want string }{
		{"bash", "complete -o default -F __start_calibkit calibkit"},
		{"zsh", "#compdef calibkit"},
		{"fish", "complete -c calibkit "},
		{"powershell", "Register-ArgumentCompleter -CommandName 'calibkit'"},
	}
	for _, tt := range tests {
		out, err := run(t, "completion", tt.shell)
		if err != nil || !strings.Contains(out, tt.want) {
			t.Errorf("completion %s: %v, output lacks %q:\n%.300s", tt.shell, err, tt.want, out)
		}
	}
	// the script asks calibkit itself for the candidates
	out, err := run(t, "__complete", "stu")
	if err != nil || !strings.HasPrefix(out, "study\t") {
		t.Errorf("__complete stu: %v, %q", err, out)
	}
}
