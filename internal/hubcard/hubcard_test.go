package hubcard

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestShellJoin(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"calibkit", "study", "run", "a/b.yaml", "-o", "x=1"}, "calibkit study run a/b.yaml -o x=1"},
		{[]string{"echo", "it's", "", "a b", "$HOME"}, `echo 'it'\''s' '' 'a b' '$HOME'`},
	}
	sh, shErr := exec.LookPath("sh")
	for _, tt := range tests {
		if got := ShellJoin(tt.args); got != tt.want {
			t.Errorf("ShellJoin(%q) = %s, want %s", tt.args, got, tt.want)
		}
		if shErr != nil {
			continue
		}
		// the shell reads the arguments back as they were
		script := "set -- " + ShellJoin(tt.args) + `; for a in "$@"; do printf '[%s]' "$a"; done`
		got, err := exec.Command(sh, "-c", script).Output()
		if err != nil {
			t.Fatal(err)
		}
		var want strings.Builder
		for _, a := range tt.args {
			want.WriteString("[" + a + "]")
		}
		if string(got) != want.String() {
			t.Errorf("sh read %s back as %s", ShellJoin(tt.args), got)
		}
	}
}

func TestWriteFrontMatter(t *testing.T) {
	type header struct {
		License string   `yaml:"license"`
		Tags    []string `yaml:"tags"`
	}
	var b bytes.Buffer
	if err := WriteFrontMatter(&b, header{"mit", []string{"gguf", "imatrix"}}); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if !strings.HasPrefix(s, "---\n") || !strings.HasSuffix(s, "\n---\n\n") {
		t.Fatalf("front matter:\n%s", s)
	}
	var back header
	dec := yaml.NewDecoder(strings.NewReader(strings.TrimSuffix(strings.TrimPrefix(s, "---\n"), "---\n\n")))
	dec.KnownFields(true)
	if err := dec.Decode(&back); err != nil || back.License != "mit" || len(back.Tags) != 2 {
		t.Errorf("read back %+v, %v", back, err)
	}
}
