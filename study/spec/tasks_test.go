package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const withTasks = `model: m.gguf
imatrix: [none]
variants: [M]
eval:
  - {name: wiki, file: wiki.test.raw}
tasks:
  - name: jcqa
    file: jcqa.bin
    mode: multiple-choice
    parallel: 5
  - {name: hs, file: hs.txt, mode: hellaswag, tasks: 100}
`

func TestParseTasks(t *testing.T) {
	s, err := Parse("s.yaml", []byte(withTasks))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tasks) != 2 || s.Tasks[0] != (TaskSet{Name: "jcqa", File: "jcqa.bin", Mode: "multiple-choice", Parallel: 5}) || s.Tasks[1].Tasks != 100 {
		t.Fatalf("%+v", s.Tasks)
	}
	// task sets alone are a study too
	if _, err := Parse("s.yaml", []byte(strings.Replace(withTasks, "eval:\n  - {name: wiki, file: wiki.test.raw}\n", "", 1))); err != nil {
		t.Fatal(err)
	}
}

func TestParseTasksErrors(t *testing.T) {
	for _, tt := range []struct{ name, yaml, want string }{
		{"unknown key", strings.Replace(withTasks, "    parallel: 5", "    np: 5", 1), `s.yaml:10:5: unknown key "np" in a task set (known: name, file, mode, tasks, parallel)`},
		{"bad mode", strings.Replace(withTasks, "mode: hellaswag", "mode: arc", 1), `s.yaml:11:36: task set hs: mode is hellaswag, winogrande, multiple-choice, not "arc"`},
		{"no file", strings.Replace(withTasks, "    file: jcqa.bin\n", "", 1), "s.yaml:7:5: task set jcqa has no file"},
		{"twice", strings.Replace(withTasks, "name: hs", "name: jcqa", 1), `s.yaml:11:5: task set "jcqa" is given twice`},
		{"eval name", strings.Replace(withTasks, "name: hs", "name: wiki", 1), `s.yaml:11:5: task set "wiki" has the name of an eval set`},
		{"negative", strings.Replace(withTasks, "tasks: 100", "tasks: -2", 1), "s.yaml:11:54: task set hs: tasks must be 0"},
		{"bad name", strings.Replace(withTasks, "name: hs", "name: h/s", 1), `task set name "h/s"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLoadNamesMissingTaskFile(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"m.gguf", "wiki.test.raw", "jcqa.bin"} {
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644)
	}
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte(withTasks), 0o644)
	_, err := Load(p)
	if err == nil || !strings.Contains(err.Error(), "s.yaml:11:22: task file "+filepath.Join(dir, "hs.txt")+" does not exist") {
		t.Fatalf("error %v", err)
	}
	os.WriteFile(filepath.Join(dir, "hs.txt"), []byte("x"), 0o644)
	s, err := Load(p)
	if err != nil || s.Tasks[0].File != filepath.Join(dir, "jcqa.bin") {
		t.Fatalf("%v %+v", err, s)
	}
}
