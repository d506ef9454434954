package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// Floor is where a package stands in the module: the foundation at the
// bottom, the command line at the top.
type Floor int

// The floors, bottom to top.
const (
	Foundation Floor = iota + 1 // internal/...: files, formats, the C binding
	Library                     // the stages: datasets, corpus, mix, imatrix, quantize, study, ...
	CLI                         // cli/...: commands and their helpers
	Program                     // cmd/calibkit: the entry point
)

func (f Floor) String() string {
	switch f {
	case Foundation:
		return "foundation"
	case Library:
		return "library"
	case CLI:
		return "command line"
	case Program:
		return "program"
	}
	return fmt.Sprintf("Floor(%d)", int(f))
}

// Package is one package of the module as `go list` describes it, its import
// paths relative to the module (e.g. "corpus", "cli/cmd/mix").
type Package struct {
	Path        string   // relative to the module root
	Imports     []string // the module's packages it imports, relative
	TestImports []string // the module's packages its tests import, relative
}

// FloorOf says which floor a package (path relative to the module root) is on.
func FloorOf(path string) Floor {
	switch {
	case under(path, "internal"):
		return Foundation
	case under(path, "cli"):
		return CLI
	case under(path, "cmd"):
		return Program
	}
	return Library
}

// command names the command a package under cli/cmd belongs to ("mix" for
// cli/cmd/mix and anything below it), or "" for every other package.
func command(path string) string {
	rest, ok := strings.CutPrefix(path, "cli/cmd/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

func under(path, dir string) bool {
	return path == dir || strings.HasPrefix(path, dir+"/")
}

// Violations lists, sorted, every import that breaks the module's layering:
//   - a package imports one on a higher floor (tests included: no library
//     test drives a command), except that a foundation package's tests may
//     use the library to check it on real work;
//   - a command imports another command (only cli/cmd/root assembles them,
//     and only cmd/calibkit imports root);
//   - a command helper (cli/cmdutil, ...) imports a command.
func Violations(pkgs []Package) []string {
	var out []string
	bad := func(p Package, imp, why string) {
		out = append(out, fmt.Sprintf("%s imports %s: %s", p.Path, imp, why))
	}
	for _, p := range pkgs {
		from := FloorOf(p.Path)
		check := func(imp string, test bool) {
			to := FloorOf(imp)
			switch {
			case to <= from:
			case from == Foundation && to == Library && test:
				// A foundation package's tests may check it on real work.
			case from == Foundation:
				bad(p, imp, "internal/ holds only the foundation, which imports nothing above it")
			default:
				bad(p, imp, fmt.Sprintf("the %s floor stands below the %s floor", from, to))
			}
			if from != CLI && from != Program {
				return
			}
			c, ci := command(p.Path), command(imp)
			switch {
			case ci == "" || ci == c:
			case from == Program && ci != "root":
				bad(p, imp, "the program reaches the commands through cli/cmd/root")
			case from == Program:
			case c == "root":
			case c == "":
				bad(p, imp, "a command helper cannot import a command")
			default:
				bad(p, imp, "a command cannot import another command; move what they share to a library package or cli/cmdutil")
			}
		}
		for _, imp := range p.Imports {
			check(imp, false)
		}
		for _, imp := range p.TestImports {
			check(imp, true)
		}
	}
	sort.Strings(out)
	return out
}

// listModule runs `go list` over the whole module and returns its packages
// with their imports of the module's own packages.
func listModule(t *testing.T) []Package {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,TestImports,XTestImports,Error", "./...")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./... in the module root: %v\n%s", err, stderr.String())
	}
	type listed struct {
		ImportPath                         string
		Imports, TestImports, XTestImports []string
		Error                              *struct{ Err string }
	}
	const module = "github.com/calibkit/calibkit"
	rel := func(paths []string) []string {
		var r []string
		for _, p := range paths {
			if p == module {
				r = append(r, ".")
			} else if rest, ok := strings.CutPrefix(p, module+"/"); ok {
				r = append(r, rest)
			}
		}
		return r
	}
	var pkgs []Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var l listed
		if err := dec.Decode(&l); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decoding go list's output: %v", err)
		}
		if l.Error != nil {
			t.Fatalf("go list: %s: %s", l.ImportPath, l.Error.Err)
		}
		path, ok := strings.CutPrefix(l.ImportPath, module+"/")
		if !ok {
			t.Fatalf("go list named %s, outside module %s", l.ImportPath, module)
		}
		pkgs = append(pkgs, Package{Path: path, Imports: rel(l.Imports),
			TestImports: rel(append(l.TestImports, l.XTestImports...))})
	}
	return pkgs
}

// TestLayers checks the module's own import graph against the layering rules
// (docs/architecture.md).
func TestLayers(t *testing.T) {
	pkgs := listModule(t)
	floors := map[Floor]int{}
	for _, p := range pkgs {
		floors[FloorOf(p.Path)]++
	}
	for _, f := range []Floor{Foundation, Library, CLI, Program} {
		if floors[f] == 0 {
			t.Errorf("no package on the %s floor: has the layout moved without this test?", f)
		}
	}
	for _, v := range Violations(pkgs) {
		t.Error(v)
	}
}

func TestViolations(t *testing.T) {
	for _, tc := range []struct {
		name string
		pkg  Package
		want string // "" when the imports are allowed
	}{
		{"library on the foundation", Package{Path: "mix", Imports: []string{"internal/llama", "langs", "tokenize"}}, ""},
		{"library imports a command", Package{Path: "corpus", Imports: []string{"cli/cmd/corpus"}}, "corpus imports cli/cmd/corpus: the library floor stands below the command line floor"},
		{"library imports a command helper", Package{Path: "study/results", Imports: []string{"cli/progress"}}, "study/results imports cli/progress: the library floor stands below the command line floor"},
		{"library test drives a command", Package{Path: "study", TestImports: []string{"cli/cmd/study"}}, "study imports cli/cmd/study: the library floor stands below the command line floor"},
		{"library imports the program", Package{Path: "mix", Imports: []string{"cmd/calibkit"}}, "mix imports cmd/calibkit: the library floor stands below the program floor"},
		{"foundation imports a stage", Package{Path: "internal/sample", Imports: []string{"corpus"}}, "internal/sample imports corpus: internal/ holds only the foundation, which imports nothing above it"},
		{"foundation test checks itself on a stage", Package{Path: "internal/sample", TestImports: []string{"corpus", "internal/gguf"}}, ""},
		{"foundation test drives a command", Package{Path: "internal/scaleout", TestImports: []string{"cli/cmd/study"}}, "internal/scaleout imports cli/cmd/study: internal/ holds only the foundation, which imports nothing above it"},
		{"command imports another", Package{Path: "cli/cmd/sweep", Imports: []string{"cli/cmd/mix"}}, "cli/cmd/sweep imports cli/cmd/mix: a command cannot import another command; move what they share to a library package or cli/cmdutil"},
		{"command test imports another", Package{Path: "cli/cmd/demo", TestImports: []string{"cli/cmd/study"}}, "cli/cmd/demo imports cli/cmd/study: a command cannot import another command; move what they share to a library package or cli/cmdutil"},
		{"command and its own sub-package", Package{Path: "cli/cmd/study", Imports: []string{"cli/cmd/study/flags", "cli/cmdutil", "study"}}, ""},
		{"root assembles the commands", Package{Path: "cli/cmd/root", Imports: []string{"cli/cmd/mix", "cli/cmd/study"}}, ""},
		{"helper imports a command", Package{Path: "cli/mixflags", Imports: []string{"cli/cmd/mix"}}, "cli/mixflags imports cli/cmd/mix: a command helper cannot import a command"},
		{"program through root", Package{Path: "cmd/calibkit", Imports: []string{"cli/cmd/root", "cli/cmdutil", "cli/iostreams"}}, ""},
		{"program around root", Package{Path: "cmd/calibkit", Imports: []string{"cli/cmd/mix"}}, "cmd/calibkit imports cli/cmd/mix: the program reaches the commands through cli/cmd/root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Violations([]Package{tc.pkg})
			switch {
			case tc.want == "" && len(got) > 0:
				t.Errorf("got %q, want none", got)
			case tc.want != "" && (len(got) != 1 || got[0] != tc.want):
				t.Errorf("got %q, want [%q]", got, tc.want)
			}
		})
	}
}
