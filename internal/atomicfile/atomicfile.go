// Package atomicfile writes result files so that an interrupted or failed run
// never leaves a truncated file under the final name: data goes to a
// temporary file in the same folder, which is synced and renamed at the end.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// CreateTemp makes the temporary file; tests replace it to inject faults
// such as ENOSPC.
var CreateTemp = os.CreateTemp

// File is an output being written. Exactly one of Commit or Abort ends it;
// calling Abort after Commit does nothing, so `defer f.Abort()` is safe.
type File struct {
	*os.File
	final string
	done  bool
}

// Create starts writing the file that will appear as path on Commit.
func Create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create output %s: %w", path, err)
	}
	return &File{File: f, final: path}, nil
}

// FinalName returns the final path the file will have.
func (f *File) FinalName() string { return f.final }

// Commit syncs the data, renames the temporary file to its final name and
// syncs the folder.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: commit after commit or abort")
	}
	f.done = true
	tmp := f.File.Name()
	if err := f.File.Sync(); err != nil {
		f.File.Close()
		os.Remove(tmp)
		return fmt.Errorf("write output %s: %w", f.final, err)
	}
	if err := f.File.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write output %s: %w", f.final, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write output %s: %w", f.final, err)
	}
	if err := os.Rename(tmp, f.final); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write output %s: %w", f.final, err)
	}
	syncDir(filepath.Dir(f.final))
	return nil
}

// Abort removes the temporary file. It is a no-op after Commit.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.File.Name())
}

// WriteFile writes the bytes from r to path atomically.
func WriteFile(path string, r io.Reader) (int64, error) {
	f, err := Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Abort()
	n, err := io.Copy(f, r)
	if err != nil {
		return n, fmt.Errorf("write output %s: %w", path, err)
	}
	return n, f.Commit()
}

func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync() // best effort: some file systems refuse to sync folders
	d.Close()
}
