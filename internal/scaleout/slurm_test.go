package scaleout

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/calibkit/calibkit/internal/slurmtest"
	"github.com/calibkit/calibkit/study/studytest"
)

// slurmSpec is a small study (2 sources × 2 variants × 2 eval sets, 8
// cells, 14 steps) on the synthesized model: cells share their quant and
// the built eval set, and two of them the imatrix, so tasks meet on locks.
const slurmSpec = `name: slurm
model: model.gguf
imatrix: [none, {name: en, text: en.raw}]
variants: [M, {name: q8, type: Q8_0}]
eval:
  - {name: en, file: en.raw}
  - {name: ja, build: {from: ja.jsonl, bytes: "1500"}}
settings: {ctx: 64, chunks: 6, imatrix_chunks: 6}
`

// TestSlurmArray runs examples/scale-out/slurm-study.sh on a one-node
// Slurm cluster started for the test, exactly as its header says: every
// task succeeds, the results equal a sequential run's, no step is
// computed twice, and a resubmission computes nothing. It also checks the
// script's refusals: calibkit not found, resources no node has.
func TestSlurmArray(t *testing.T) {
	c := slurmtest.Start(t)
	t.Logf("cluster: node %s, %d CPUs, %d MB, started in %.1f s", c.Node, c.CPUs, c.MemoryMB, c.Started.Seconds())
	calibkit := buildCalibkit(t)
	work := t.TempDir()
	if err := studytest.WriteInputs(work); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(calibkit, "model", "synth", "-o", filepath.Join(work, "model.gguf")).CombinedOutput(); err != nil {
		t.Fatalf("model synth: %v\n%s", err, out)
	}
	spec := filepath.Join(work, "study.yaml")
	if err := os.WriteFile(spec, []byte(slurmSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "array")
	var cells int
	var plan string
	out, err := exec.Command(calibkit, PlanArgs(spec)...).Output()
	if _, serr := fmt.Sscanf(string(out), "%d %s", &cells, &plan); err != nil || serr != nil || cells != 8 {
		t.Fatalf("study plan --array: %q, %v %v", out, err, serr)
	}

	header, err := os.ReadFile(filepath.Join(examples, "slurm-study.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if usage := "#   examples/scale-out/slurm-study.sh STUDY.yaml DIR [SBATCH_OPTION...]\n"; !strings.Contains(string(header), usage) {
		t.Fatalf("the script's header does not say %q", usage)
	}
	// As the header says, from the repository's root, calibkit named by
	// CALIBKIT; PATH holds only what the script runs besides calibkit
	// (sbatch, mkdir), and the tasks inherit it. One CPU a task, so that
	// two run at once on a two-CPU node.
	path := t.TempDir()
	for _, p := range []string{"sbatch", "mkdir"} {
		where, err := exec.LookPath(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(where, filepath.Join(path, p)); err != nil {
			t.Fatal(err)
		}
	}
	submit := func(env []string, opts ...string) (string, error) {
		cmd := c.Command("examples/scale-out/slurm-study.sh", append([]string{spec, dir}, opts...)...)
		cmd.Dir = "../.."
		cmd.Env = append(cmd.Env, "PATH="+path)
		cmd.Env = append(cmd.Env, env...)
		b, err := cmd.CombinedOutput()
		return string(b), err
	}
	refused := []struct {
		name string
		env  []string
		opts []string
		want string
	}{
		{"no calibkit", []string{"CALIBKIT="}, nil, "calibkit not found: set CALIBKIT to its absolute path"},
		{"CALIBKIT wrong", []string{"CALIBKIT=" + filepath.Join(work, "nope")}, nil, "calibkit not found at CALIBKIT=" + filepath.Join(work, "nope")},
		{"too many CPUs", []string{"CALIBKIT=" + calibkit}, []string{fmt.Sprintf("--cpus-per-task=%d", c.CPUs+1)}, "Slurm cannot run these tasks"},
		{"too much memory", []string{"CALIBKIT=" + calibkit}, []string{"--cpus-per-task=1", fmt.Sprintf("--mem=%dM", c.MemoryMB+1)}, "Slurm cannot run these tasks"},
	}
	for _, r := range refused {
		msg, err := submit(r.env, r.opts...)
		if code := exitCode(err); code != 1 || !strings.Contains(msg, r.want) || strings.Contains(msg, "Submitted batch job") {
			t.Errorf("%s: exit %d, output %q; want exit 1 saying %q and no job", r.name, code, msg, r.want)
		}
	}
	if q := strings.TrimSpace(c.Output("squeue", "-h", "-o", "%A")); q != "" {
		t.Fatalf("refused submissions left jobs: %s", q)
	}

	run := func(what string) (tasks []taskLog, seconds float64) {
		t.Helper()
		start := time.Now()
		msg, err := submit([]string{"CALIBKIT=" + calibkit}, "--cpus-per-task=1")
		if err != nil {
			t.Fatalf("%s: submission: %v\n%s", what, err, msg)
		}
		id, err := slurmtest.JobID(msg)
		if err != nil {
			t.Fatal(err)
		}
		st, err := c.Wait(id, 100*time.Second)
		seconds = time.Since(start).Seconds()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if len(st) != cells {
			t.Fatalf("%s: %d tasks, want %d: %+v", what, len(st), cells, st)
		}
		for _, task := range st {
			want := filepath.Join(dir, Default.LogFolder, id+"_"+task.ArrayTaskID+".log")
			if task.State != "COMPLETED" || task.ExitCode != "0:0" || task.StdOut != want {
				t.Errorf("%s: task %s: %s, exit %s, log %s; want COMPLETED, 0:0, %s", what, task.ArrayTaskID, task.State, task.ExitCode, task.StdOut, want)
			}
			tasks = append(tasks, readTaskLog(t, task.StdOut, plan))
		}
		return tasks, seconds
	}

	tasks, arraySeconds := run("array")
	computed, waited := 0, 0
	for _, l := range tasks {
		computed += l.computed
		waited += l.waited
	}
	if computed != 14 {
		t.Errorf("the tasks computed %d steps in all, want each of the plan's 14 once", computed)
	}
	report := exec.Command(calibkit, "study", "report", dir)
	if out, err := report.CombinedOutput(); err != nil {
		t.Fatalf("study report: %v\n%s", err, out)
	}

	seq := filepath.Join(work, "sequential")
	start := time.Now()
	if out, err := exec.Command(calibkit, "study", "run", spec, "-o", seq).CombinedOutput(); err != nil {
		t.Fatalf("sequential run: %v\n%s", err, out)
	}
	seqSeconds := time.Since(start).Seconds()
	got, _ := os.ReadFile(filepath.Join(dir, "results.md"))
	want, err := os.ReadFile(filepath.Join(seq, "results.md"))
	if err != nil || len(want) == 0 || string(got) != string(want) {
		t.Errorf("the array's results.md differs from a sequential run's (%v):\n%s\nwant\n%s", err, got, want)
	}

	again, againSeconds := run("resubmission")
	for i, l := range again {
		if l.computed != 0 || l.cached+l.waited == 0 {
			t.Errorf("resubmission, task %d: %d steps computed, %d cached; want none computed", i, l.computed, l.cached)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "results.md")); string(after) != string(got) {
		t.Error("the resubmission changed results.md")
	}
	for _, pattern := range []string{"slurm-*.out", "calibkit-study-*.log"} {
		if m, _ := filepath.Glob(filepath.Join("../..", pattern)); len(m) > 0 {
			t.Errorf("logs landed in the folder submitted from: %v", m)
		}
	}
	t.Logf("8 cells, 14 steps: array %.1f s (%d steps waited for another task), sequential %.1f s, resubmitted %.1f s", arraySeconds, waited, seqSeconds, againSeconds)
}

// taskLog is what a task's log says: its first line, and the counts of
// its summary line.
type taskLog struct {
	first                    string
	computed, cached, waited int
}

var summary = regexp.MustCompile(`^(\d+) steps run, (\d+) cached, (\d+) done by another process; \d+ cell records$`)

// readTaskLog reads a task's log: its first line must name the plan and
// the one CPU Slurm gave the task; it must end with the run's summary.
func readTaskLog(t *testing.T, path, plan string) taskLog {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var l taskLog
	found := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if l.first == "" {
			l.first = line
		}
		if m := summary.FindStringSubmatch(line); m != nil {
			l.computed, _ = strconv.Atoi(m[1])
			l.cached, _ = strconv.Atoi(m[2])
			l.waited, _ = strconv.Atoi(m[3])
			found = true
		}
	}
	if !strings.HasPrefix(l.first, "study plan "+plan+": 8 cells, 14 steps; this run: cell ") || !strings.HasSuffix(l.first, "; 1 threads (SLURM_CPUS_PER_TASK)") || !found {
		b, _ := os.ReadFile(path)
		t.Errorf("%s: first line %q (want the plan %s and 1 thread from SLURM_CPUS_PER_TASK), summary found %v:\n%s", path, l.first, plan, found, b)
	}
	return l
}

// buildCalibkit builds the calibkit binary (with the CGO flags of the
// environment, as make does) into a folder of the test.
func buildCalibkit(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("needs the go command to build calibkit: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "calibkit")
	cmd := exec.Command(goTool, "build", "-o", bin, "github.com/calibkit/calibkit/cmd/calibkit")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
