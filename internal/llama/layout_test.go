package llama

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// moduleDir returns the folder of the pinned github.com/ollama/ollama module.
func moduleDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/ollama/ollama").Output()
	if err != nil {
		t.Fatalf("locate github.com/ollama/ollama: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		t.Fatal("go list gave no folder for github.com/ollama/ollama (module not downloaded?)")
	}
	return dir
}

// TestLayoutMatchesPinnedHeaders compiles the binding's list of sizes,
// offsets and enum values against llama.cpp's real llama.h/ggml.h and checks
// every entry against binding.h's view (DESIGN.md §2).
func TestLayoutMatchesPinnedHeaders(t *testing.T) {
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "cc"
	}
	if _, err := exec.LookPath(cc); err != nil {
		t.Skipf("no C compiler %q: %v", cc, err)
	}
	dir := moduleDir(t)

	src, err := os.ReadFile("layout.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)static const struct ck_layout_entry ck_layout\[\] = \{(.*?)\n\};`).FindSubmatch(src)
	if m == nil {
		t.Fatal("layout.go: ck_layout table not found")
	}
	prog := `#include <stdio.h>
#include <stddef.h>
#include "llama.h"
#define CK_F(T, F) { #T "." #F, (long long) offsetof(struct T, F) }
#define CK_S(T) { "sizeof " #T, (long long) sizeof(struct T) }
#define CK_E(V) { #V, (long long) V }
struct ck_layout_entry { const char * name; long long value; };
static const struct ck_layout_entry ck_layout[] = {` + string(m[1]) + `
};
int main(void) {
	for (size_t i = 0; i < sizeof(ck_layout) / sizeof(ck_layout[0]); i++) {
		printf("%s\t%lld\n", ck_layout[i].name, ck_layout[i].value);
	}
	return 0;
}
`
	tmp := t.TempDir()
	cfile := filepath.Join(tmp, "layout.c")
	if err := os.WriteFile(cfile, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(tmp, "layout")
	cmd := exec.Command(cc, "-o", exe, cfile,
		"-I", filepath.Join(dir, "llama", "llama.cpp", "include"),
		"-I", filepath.Join(dir, "ml", "backend", "ggml", "ggml", "include"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("compile against the real headers: %v\n%s", err, out)
	}
	out, err := exec.Command(exe).Output()
	if err != nil {
		t.Fatalf("run layout program: %v", err)
	}

	real := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("bad line %q", sc.Text())
		}
		v, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		real[name] = v
	}
	ours := layout()
	names := layoutNames()
	if len(real) != len(names) || len(ours) != len(names) {
		t.Fatalf("entry counts differ: real headers %d, binding %d (%d names)", len(real), len(ours), len(names))
	}
	for _, name := range names {
		if real[name] != ours[name] {
			t.Errorf("%s: llama.cpp headers say %d, binding.h says %d", name, real[name], ours[name])
		}
	}
	for _, must := range []string{"sizeof llama_context_params", "ggml_tensor.name", "GGML_OP_MUL_MAT_ID"} {
		if _, ok := ours[must]; !ok {
			t.Errorf("layout table lacks %s", must)
		}
	}
}

// TestCommitMatchesModule checks Commit against the pinned module's
// llama/build-info.cpp.
func TestCommitMatchesModule(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(moduleDir(t), "llama", "build-info.cpp"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`LLAMA_COMMIT\s*=\s*"([^"]*)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("LLAMA_COMMIT not found in llama/build-info.cpp")
	}
	if got := string(m[1]); got != Commit {
		t.Errorf("module vendors llama.cpp %s, Commit says %s", got, Commit)
	}
}

func TestSystemInfo(t *testing.T) {
	info := SystemInfo()
	if !strings.Contains(info, "CPU") {
		t.Errorf("SystemInfo() = %q, want the CPU backend's features", info)
	}
	t.Logf("system info: %s", info)
}

// TestLayoutTableCoversBindingH checks that the conformance table lists
// every field of every struct binding.h mirrors and every enum value or
// constant it declares, so that a declaration added to binding.h without a
// table entry cannot escape TestLayoutMatchesPinnedHeaders.
func TestLayoutTableCoversBindingH(t *testing.T) {
	h, err := os.ReadFile("binding.h")
	if err != nil {
		t.Fatal(err)
	}
	src := regexp.MustCompile(`//[^\n]*`).ReplaceAllString(string(h), "")
	ours := layout()
	var checked int
	need := func(key, what string) {
		checked++
		if _, ok := ours[key]; !ok {
			t.Errorf("binding.h declares %s but the layout table lacks %q", what, key)
		}
	}
	for _, m := range regexp.MustCompile(`(?m)^\s*([A-Z][A-Z0-9_]+)\s*=`).FindAllStringSubmatch(src, -1) {
		need(m[1], "enum value "+m[1])
	}
	for _, m := range regexp.MustCompile(`(?m)^#define\s+((?:GGML|LLAMA)_[A-Z0-9_]+)\s+\S`).FindAllStringSubmatch(src, -1) {
		need(m[1], "constant "+m[1])
	}
	fnPtr := regexp.MustCompile(`\(\s*\*\s*(\w+)\s*\)`)
	last := regexp.MustCompile(`([\w.]+)\s*(?:\[[^\]]*\])?\s*$`)
	// A nested anonymous struct member (struct { float alpha; } adamw;)
	// stands for its fields, named adamw.alpha as offsetof spells them.
	nested := regexp.MustCompile(`struct\s*\{([^{}]*)\}\s*(\w+)\s*;`)
	src = nested.ReplaceAllStringFunc(src, func(s string) string {
		m := nested.FindStringSubmatch(s)
		var fields []string
		for _, decl := range strings.Split(m[1], ";") {
			if f := last.FindStringSubmatch(strings.TrimSpace(decl)); f != nil {
				fields = append(fields, "x "+m[2]+"."+f[1]+";")
			}
		}
		return strings.Join(fields, " ")
	})
	structs := regexp.MustCompile(`(?s)struct\s+(\w+)\s*\{(.*?)\}`).FindAllStringSubmatch(src, -1)
	if len(structs) < 5 {
		t.Fatalf("found %d struct mirrors in binding.h, want at least 5", len(structs))
	}
	for _, m := range structs {
		name := m[1]
		if name != "ggml_tensor" { // mirrored only up to name: no sizeof
			need("sizeof "+name, "struct "+name)
		}
		for _, decl := range strings.Split(m[2], ";") {
			decl = strings.TrimSpace(decl)
			if decl == "" {
				continue
			}
			f := fnPtr.FindStringSubmatch(decl)
			if f == nil {
				f = last.FindStringSubmatch(decl)
			}
			if f == nil {
				t.Errorf("struct %s: cannot read the field of %q", name, decl)
				continue
			}
			need(name+"."+f[1], "field "+name+"."+f[1])
		}
	}
	t.Logf("%d declarations of binding.h covered", checked)
}
