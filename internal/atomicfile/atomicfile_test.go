package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
)

func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestWriteFileCommits(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	n, err := WriteFile(path, strings.NewReader("日本語\n"))
	if err != nil || n != 10 {
		t.Fatalf("WriteFile = %d, %v", n, err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != "日本語\n" {
		t.Fatalf("content %q", b)
	}
	if got := entries(t, dir); len(got) != 1 || got[0] != "out.txt" {
		t.Fatalf("folder holds %v, want only out.txt", got)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
}

func TestFailedWriteLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	// An old result under the final name must survive a failed run.
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := io.MultiReader(strings.NewReader("partial data"), iotest.ErrReader(errors.New("read failed after 12 bytes")))
	if _, err := WriteFile(path, r); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want one naming %s", err, path)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("final file changed to %q", b)
	}
	if got := entries(t, dir); len(got) != 1 {
		t.Fatalf("folder holds %v, want only the old out.txt", got)
	}
}

func TestCreateFailureIsReported(t *testing.T) {
	orig := CreateTemp
	t.Cleanup(func() { CreateTemp = orig })
	CreateTemp = func(dir, pattern string) (*os.File, error) {
		return nil, &os.PathError{Op: "open", Path: filepath.Join(dir, pattern), Err: syscall.ENOSPC}
	}
	path := filepath.Join(t.TempDir(), "out.txt")
	_, err := WriteFile(path, strings.NewReader("x"))
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), path) {
		t.Fatalf("err = %v, want ENOSPC naming %s", err, path)
	}
}

func TestAbortAfterCommitIsNoop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.txt")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("ok"); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort()
	if b, _ := os.ReadFile(path); string(b) != "ok" {
		t.Fatalf("content %q after Abort following Commit", b)
	}
	if err := f.Commit(); err == nil {
		t.Error("second Commit succeeded")
	}
	if f.FinalName() != path {
		t.Errorf("FinalName = %q", f.FinalName())
	}
}

func TestAbortRemovesTemp(t *testing.T) {
	dir := t.TempDir()
	f, err := Create(filepath.Join(dir, "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("half")
	f.Abort()
	if got := entries(t, dir); len(got) != 0 {
		t.Fatalf("folder holds %v after Abort", got)
	}
}

// TestCreateSaysWhatToDo: an output whose folder is missing, or is a file,
// fails with what to do, and the cause stays visible to errors.Is.
func TestCreateSaysWhatToDo(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string
		is         error
	}{
		{filepath.Join(dir, "nodir", "out.txt"), "folder " + filepath.Join(dir, "nodir") + " does not exist: create it first, or give another output path", os.ErrNotExist},
		{filepath.Join(file, "out.txt"), file + " is not a folder: give another output path", syscall.ENOTDIR},
	}
	for _, tt := range tests {
		_, err := Create(tt.path)
		if err == nil || !strings.HasSuffix(err.Error(), tt.want) || !errors.Is(err, tt.is) {
			t.Errorf("Create(%s): %v; want it to end with %q and wrap %v", tt.path, err, tt.want, tt.is)
		}
	}
}
