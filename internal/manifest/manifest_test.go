package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteAndRead(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.txt")
	m := New(out, []string{"calibkit", "corpus", "build"})
	if err := m.AddInput(in); err != nil {
		t.Fatal(err)
	}
	m.Parameters["seed"] = 7
	m.Parameters["a<b"] = "x&y"
	m.Counts["bytes"] = 3
	if err := m.Write(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out + Suffix)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"a<b": "x&y"`) {
		t.Errorf("HTML escaping in manifest:\n%s", b)
	}
	got, err := Read(Path(out))
	if err != nil {
		t.Fatal(err)
	}
	want := "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" // sha256("abc")
	if len(got.Inputs) != 1 || got.Inputs[0].SHA256 != want || got.Inputs[0].Bytes != 3 {
		t.Fatalf("inputs %+v", got.Inputs)
	}
	if got.Tool != "calibkit" || got.Parameters["seed"] != float64(7) {
		t.Fatalf("manifest %+v", got)
	}
	// The same manifest marshals to the same bytes.
	again, _ := m.Marshal()
	if string(again) != string(b) {
		t.Error("Marshal is not deterministic")
	}
}

func TestAddInputMissing(t *testing.T) {
	m := New("out", nil)
	err := m.AddInput("/no/such/file")
	if err == nil || !strings.Contains(err.Error(), "/no/such/file") {
		t.Fatalf("err = %v", err)
	}
}

func TestReadBad(t *testing.T) {
	p := filepath.Join(t.TempDir(), "m.json")
	os.WriteFile(p, []byte("{not json"), 0o644)
	if _, err := Read(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v", err)
	}
}
