package studycmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
)

func TestFlags(t *testing.T) {
	tests := []struct {
		args, sub string
		check     func(*Options) bool
		err       string
	}{
		{"run s.yaml -o d --cell 3 --cell none/M/wiki --llama-cpp /l", "run", func(o *Options) bool {
			return o.Spec == "s.yaml" && o.Dir == "d" && len(o.Cells) == 2 && o.Cells[1] == "none/M/wiki" && o.LlamaCpp == "/l"
		}, ""},
		{"run s.yaml", "", nil, "-o/--output DIR is required"},
		{"run", "", nil, "accepts 1 arg"},
		{"plan s.yaml --json", "plan", func(o *Options) bool { return o.Spec == "s.yaml" && o.JSON }, ""},
		{"report d", "report", func(o *Options) bool { return o.Dir == "d" }, ""},
		{"run s.yaml -o d --bogus", "", nil, "unknown flag"},
		{"run s.yaml -o d --cell 3 --plan 3f9c0a1b2d4e", "run", func(o *Options) bool { return o.Plan == "3f9c0a1b2d4e" }, ""},
		{"run s.yaml -o d --cell 3 --plan 3f9c0a1b2d4", "", nil, "want the plan's hash, 12 to 64 hex digits"},
		{"run s.yaml -o d --cell 3 --plan 3f9c0a1b2d4x", "", nil, "want the plan's hash"},
		{"plan s.yaml --array", "plan", func(o *Options) bool { return o.Array }, ""},
	}
	for _, tt := range tests {
		io, _, _, _ := iostreams.Test()
		var sub string
		var got *Options
		err := cmdtest.Execute(NewCmdStudy(io, func(s string, o *Options) error { sub, got = s, o; return nil }), tt.args)
		if tt.err != "" {
			cmdtest.WantUsageError(t, err, tt.err)
			continue
		}
		if err != nil || sub != tt.sub || !tt.check(got) {
			t.Errorf("%s: %s %+v %v", tt.args, sub, got, err)
		}
	}
}

// TestSpecErrors: what is wrong in a spec (a bad key, a spec that cannot
// be read, an input it names that is missing) fails the run (exit 1), for
// plan and run alike: the spec is to be fixed, not the command line.
func TestSpecErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.yaml")
	io, _, _, _ := iostreams.Test()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("model: m.gguf\nimatrix: [none]\nvariants: [M]\neval: [{name: w, file: w.raw}]\nsettings: {ctx: 512, chunk: 3}\n"), 0o644)
	os.WriteFile(p, []byte("model: m.gguf\nimatrix: [none]\nvariants: [M]\neval: [{name: w, file: w.raw}]\n"), 0o644)
	tests := []struct{ args, want string }{
		{"plan " + bad, bad + ":5:22: unknown key \"chunk\" in settings"},
		{"run " + bad + " -o " + filepath.Join(dir, "out"), bad + ":5:22: unknown key \"chunk\" in settings"},
		{"plan " + p, p + ":1:8: model " + filepath.Join(dir, "m.gguf") + " does not exist"},
		{"run " + p + " -o " + filepath.Join(dir, "out"), p + ":1:8: model " + filepath.Join(dir, "m.gguf") + " does not exist"},
		{"plan " + filepath.Join(dir, "none.yaml"), "read study spec: open " + filepath.Join(dir, "none.yaml") + ": no such file"},
	}
	for _, tt := range tests {
		err := cmdtest.Execute(NewCmdStudy(io, nil), tt.args)
		if err == nil || !strings.Contains(err.Error(), tt.want) || cmdutil.ExitCode(err) != cmdutil.ExitFailed {
			t.Errorf("%s: %v (exit %d), want %q and exit %d", tt.args, err, cmdutil.ExitCode(err), tt.want, cmdutil.ExitFailed)
		}
	}
}

func TestPlanAndCellOutOfRange(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"m.gguf", "w.raw", "en.txt"} {
		os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644)
	}
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte("model: m.gguf\nimatrix: [none, {name: en, text: en.txt}]\nvariants: [M, L]\neval: [{name: w, file: w.raw}]\n"), 0o644)
	io, _, out, _ := iostreams.Test()
	if err := cmdtest.Execute(NewCmdStudy(io, nil), "plan "+p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"4 cells, 9 steps", "   0  none/M/w\n", "   3  en/L/w\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	out.Reset()
	if err := cmdtest.Execute(NewCmdStudy(io, nil), "plan "+p+" --json"); err != nil || !strings.Contains(out.String(), `"id": "imatrix:en"`) {
		t.Errorf("plan --json: %v\n%s", err, out)
	}
	err := cmdtest.Execute(NewCmdStudy(io, nil), "run "+p+" -o "+filepath.Join(dir, "out")+" --cell 4")
	cmdtest.WantUsageError(t, err, "cell 4 is out of range: the study has cells 0 to 3")
}

func TestReportWithoutResults(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	err := cmdtest.Execute(NewCmdStudy(io, nil), "report "+t.TempDir())
	if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitFailed || !strings.Contains(err.Error(), "holds no records") {
		t.Errorf("error %v", err)
	}
}

// TestArrayTask: study plan --array prints the cell count and the plan's
// hash; study run --plan with it runs nothing for a cell past the last
// (exit 0, a line saying so) and refuses a study changed since (exit 1).
func TestArrayTask(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"m.gguf", "w.raw", "en.txt"} {
		os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644)
	}
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte("model: m.gguf\nimatrix: [none, {name: en, text: en.txt}]\nvariants: [M, L]\neval: [{name: w, file: w.raw}]\n"), 0o644)
	io, _, out, errOut := iostreams.Test()
	if err := cmdtest.Execute(NewCmdStudy(io, nil), "plan "+p+" --array"); err != nil {
		t.Fatal(err)
	}
	var cells int
	var hash string
	if n, err := fmt.Sscanf(out.String(), "%d %s\n", &cells, &hash); n != 2 || err != nil || cells != 4 || len(hash) != 12 || out.String() != fmt.Sprintf("4 %s\n", hash) {
		t.Fatalf("plan --array printed %q", out.String())
	}
	study := filepath.Join(dir, "out")
	out.Reset()
	if err := cmdtest.Execute(NewCmdStudy(io, nil), "run "+p+" -o "+study+" --cell 7 --plan "+hash); err != nil {
		t.Fatalf("past the end: %v", err)
	}
	if want := "nothing to do: cell 7 is past the last cell (3) of plan " + hash; !strings.Contains(out.String(), want) {
		t.Errorf("past the end printed %q, want %q", out.String(), want)
	}
	if !strings.HasPrefix(errOut.String(), "study plan "+hash+": 4 cells") {
		t.Errorf("first line %q", errOut.String())
	}
	os.WriteFile(filepath.Join(dir, "en.txt"), []byte("changed"), 0o644)
	err := cmdtest.Execute(NewCmdStudy(io, nil), "run "+p+" -o "+study+" --cell 1 --plan "+hash)
	if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitFailed || !strings.Contains(err.Error(), "not "+hash+" as when its array was submitted") {
		t.Errorf("changed study: %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	if _, err := os.Stat(study); err == nil {
		t.Error("a run with nothing to do, or refused, made the study folder")
	}
}
