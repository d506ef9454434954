package corpus

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestExpandInputs(t *testing.T) {
	dir := t.TempDir()
	mk := func(p string) string {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		os.WriteFile(full, []byte("x"), 0o644)
		return full
	}
	a := mk("data/a.parquet")
	b := mk("data/sub/b.jsonl")
	mk("data/README.md")
	mk("data/.cache/c.parquet")
	txt := mk("other/t.txt")
	// huggingface_hub layout: snapshot files are relative symlinks to blobs.
	blob := mk("hub/blobs/0123abcd")
	snap := filepath.Join(dir, "hub/snapshots/rev/20231101.ja")
	os.MkdirAll(snap, 0o755)
	if err := os.Symlink("../../../blobs/0123abcd", filepath.Join(snap, "train-00000-of-00001.parquet")); err != nil {
		t.Fatal(err)
	}
	_ = blob
	// A symbolic link to a folder, given as the input.
	if err := os.Symlink(filepath.Join(dir, "data"), filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []string
		want []string
		err  string
	}{
		{"folder", []string{filepath.Join(dir, "data")}, []string{a, b}, ""},
		{"glob", []string{filepath.Join(dir, "data/*.parquet"), filepath.Join(dir, "other/*")}, []string{a, txt}, ""},
		{"file twice", []string{txt, txt}, []string{txt}, ""},
		{"explicit unknown extension", []string{filepath.Join(dir, "data/README.md")}, []string{filepath.Join(dir, "data/README.md")}, ""},
		{"hf snapshot", []string{filepath.Join(dir, "hub/snapshots/rev")}, []string{filepath.Join(snap, "train-00000-of-00001.parquet")}, ""},
		{"symlinked folder", []string{filepath.Join(dir, "linked")}, []string{filepath.Join(dir, "linked/a.parquet"), filepath.Join(dir, "linked/sub/b.jsonl")}, ""},
		{"no match", []string{filepath.Join(dir, "nope/*.parquet")}, nil, "matches no files"},
		{"missing", []string{filepath.Join(dir, "nope.parquet")}, nil, "no such file"},
		{"empty folder", []string{filepath.Join(dir, "hub/blobs")}, nil, "holds no data files"},
		{"nothing", nil, nil, "no input files"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ExpandInputs(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestFormatOf(t *testing.T) {
	for p, want := range map[string]Format{
		"a.parquet": FormatParquet, "a.JSONL": FormatJSONL, "a.ndjson.gz": FormatJSONL,
		"wiki.test.raw": FormatText, "a.txt.zst": FormatText, "README.md": FormatUnknown,
	} {
		if got := FormatOf(p); got != want {
			t.Errorf("FormatOf(%s) = %v, want %v", p, got, want)
		}
	}
}
