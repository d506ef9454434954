package corpus

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDropOutput(t *testing.T) {
	dir := t.TempDir()
	in, out := filepath.Join(dir, "a.txt"), filepath.Join(dir, "out.txt")
	for _, p := range []string{in, out, out + ".manifest.json"} {
		os.WriteFile(p, []byte("文。\n"), 0o644)
	}
	tests := []struct {
		name          string
		files         []string
		output        string
		kept, dropped []string
	}{
		{"output and manifest", []string{in, out, out + ".manifest.json"}, out, []string{in}, []string{out, out + ".manifest.json"}},
		{"same file by another path", []string{in, filepath.Join(dir, ".", "out.txt")}, out, []string{in}, []string{filepath.Join(dir, ".", "out.txt")}},
		{"output not there yet", []string{in}, filepath.Join(dir, "new.txt"), []string{in}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kept, dropped := DropOutput(tt.files, tt.output)
			if !reflect.DeepEqual(kept, tt.kept) || !reflect.DeepEqual(dropped, tt.dropped) {
				t.Errorf("DropOutput = %q, %q; want %q, %q", kept, dropped, tt.kept, tt.dropped)
			}
		})
	}
	// Build refuses to read the file it replaces, and leaves it alone.
	_, err := Build(context.Background(), []string{in, out}, out, nil, DefaultOptions())
	if err == nil || !strings.Contains(err.Error(), "is the output file") {
		t.Errorf("Build error %v", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "文。\n" {
		t.Errorf("output changed to %q", b)
	}
}
