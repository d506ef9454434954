package scaleout

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// examples is the folder of the committed examples.
const examples = "../../examples/scale-out"

// TestCommittedExamplesAreRendered: the files in examples/scale-out are
// what the settings and templates make, with their modes.
func TestCommittedExamplesAreRendered(t *testing.T) {
	for _, f := range Files {
		want, err := Render(f.Name, Default)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(examples, f.Name)
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what internal/scaleout renders: run go generate ./internal/scaleout (and edit the templates, not the file)", path)
		}
		if fi, err := os.Stat(path); err != nil || uint32(fi.Mode().Perm()) != f.Mode {
			t.Errorf("%s: mode %v, want %o (%v)", path, fi.Mode().Perm(), f.Mode, err)
		}
	}
	if _, err := Render("none", Default); err == nil {
		t.Error("Render of an unknown example: no error")
	}
}
