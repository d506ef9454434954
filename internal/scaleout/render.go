package scaleout

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var templates embed.FS

// File is one rendered example: its path under examples/scale-out and
// its mode.
type File struct {
	Name string
	Mode uint32
}

// Files are the examples Render makes.
var Files = []File{
	{"slurm-study.sh", 0o755},
	{"k8s-study-job.yaml", 0o644},
}

// data is what a template sees: the settings, the placeholders and the
// index variable.
type data struct {
	Settings
	Cells, Plan, IndexVar string
}

// Render returns the example named name (one of Files) made from s.
func Render(name string, s Settings) ([]byte, error) {
	d := data{Settings: s, Cells: CellsPlaceholder, Plan: PlanPlaceholder, IndexVar: IndexVar}
	funcs := template.FuncMap{
		// the Slurm script's commands, in its header and over its variables
		"planSh": func(spec string) string { return strings.Join(PlanArgs(spec), " ") },
		"runSh":  func(spec, dir, cell, plan string) string { return strings.Join(RunArgs(spec, dir, cell, plan), " ") },
		// the pod's command, as a YAML flow sequence (JSON is YAML)
		"runJSON": func() (string, error) {
			b, err := json.Marshal(append([]string{"calibkit"}, RunArgs(s.Spec, s.Dir, "$("+IndexVar+")", PlanPlaceholder)...))
			return string(b), err
		},
	}
	t, err := template.New(name+".tmpl").Funcs(funcs).Option("missingkey=error").ParseFS(templates, "templates/"+name+".tmpl")
	if err != nil {
		return nil, fmt.Errorf("scale-out template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("scale-out template %s: %w", name, err)
	}
	return b.Bytes(), nil
}
