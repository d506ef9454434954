package spec

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is a problem at a place in a spec file.
type Error struct {
	File         string
	Line, Column int // 0 when the problem has no single place
	Msg          string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// InputError is an input the spec names (model, text, corpus, eval or
// task file...) that does not exist: the spec itself is well formed, the
// file is not there, or not yet (a fetch that did not run, a shared file
// system not mounted on this host). Its Error is the place and the path.
type InputError struct{ Err *Error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Load reads, checks and resolves the spec at path: relative paths in it
// are taken from the spec's folder, and every input file must exist.
func Load(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read study spec: %w", err)
	}
	s, err := Parse(path, b)
	if err != nil {
		return nil, err
	}
	if err := s.Resolve(filepath.Dir(path)); err != nil {
		return nil, err
	}
	return s, nil
}

// Parse decodes and checks a spec's YAML without touching the file system;
// name is the file name used in errors.
func Parse(name string, data []byte) (*Spec, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, &Error{File: name, Msg: "not YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: name, Msg: "empty spec"}
	}
	root := doc.Content[0]
	if err := checkKnown(name, root, reflect.TypeOf(Spec{})); err != nil {
		return nil, err
	}
	var s Spec
	if err := root.Decode(&s); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return nil, &Error{File: name, Msg: strings.Join(te.Errors, "; ")}
		}
		var pe *posError
		if errors.As(err, &pe) {
			return nil, &Error{File: name, Line: pe.line, Column: pe.col, Msg: pe.msg}
		}
		return nil, &Error{File: name, Msg: err.Error()}
	}
	s.File = name
	if err := s.check(root); err != nil {
		return nil, err
	}
	return &s, nil
}

// posError carries a node's place out of an UnmarshalYAML.
type posError struct {
	line, col int
	msg       string
}

func (e *posError) Error() string { return fmt.Sprintf("line %d:%d: %s", e.line, e.col, e.msg) }

// checkKnown walks a node against the Go type it decodes into and refuses
// keys the type has no field for, naming their place.
func checkKnown(file string, n *yaml.Node, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			if n.Kind == yaml.ScalarNode && reflect.PointerTo(t).Implements(reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()) {
				return nil // a short form the type decodes itself
			}
			if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
				return nil
			}
			return &Error{File: file, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf("want a mapping of %s keys, got %s", typeName(t), kindName(n))}
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if tag == "" || tag == "-" {
				continue
			}
			fields[tag] = f.Type
			names = append(names, tag)
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				return &Error{File: file, Line: k.Line, Column: k.Column, Msg: fmt.Sprintf("unknown key %q in %s (known: %s)", k.Value, typeName(t), strings.Join(names, ", "))}
			}
			if seen[k.Value] {
				return &Error{File: file, Line: k.Line, Column: k.Column, Msg: fmt.Sprintf("key %q is given twice", k.Value)}
			}
			seen[k.Value] = true
			if err := checkKnown(file, v, ft); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind == yaml.SequenceNode {
			for _, c := range n.Content {
				if err := checkKnown(file, c, t.Elem()); err != nil {
					return err
				}
			}
		}
	case reflect.Map:
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if err := checkKnown(file, n.Content[i+1], t.Elem()); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func typeName(t reflect.Type) string {
	switch t {
	case reflect.TypeOf(Spec{}):
		return "the study"
	case reflect.TypeOf(Settings{}):
		return "settings"
	case reflect.TypeOf(Source{}):
		return "an imatrix source"
	case reflect.TypeOf(MixRecipe{}):
		return "a mix"
	case reflect.TypeOf(SweepRecipe{}):
		return "a sweep"
	case reflect.TypeOf(Variant{}):
		return "a variant"
	case reflect.TypeOf(EvalSet{}):
		return "an eval set"
	case reflect.TypeOf(EvalRecipe{}):
		return "an eval build"
	case reflect.TypeOf(TaskSet{}):
		return "a task set"
	}
	return t.Name()
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// UnmarshalYAML takes "none" as the no-imatrix source.
func (s *Source) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if n.Value != "none" {
			return &posError{n.Line, n.Column, fmt.Sprintf("imatrix source %q: a plain string can only be none; give a mapping with name and one of none, file, text, mix, sweep", n.Value)}
		}
		*s = Source{Name: "none", None: true}
		return nil
	}
	type plain Source
	return n.Decode((*plain)(s))
}

// UnmarshalYAML takes a preset's name (M, L, fp16) as that variant.
func (v *Variant) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		p, ok := Presets[n.Value]
		if !ok {
			return &posError{n.Line, n.Column, fmt.Sprintf("variant %q: a plain string names a preset (M, L or fp16); give a mapping with name and type otherwise", n.Value)}
		}
		*v = p
		return nil
	}
	type plain Variant
	return n.Decode((*plain)(v))
}
