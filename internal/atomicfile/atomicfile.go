// Package atomicfile writes result files so that an interrupted or failed run
// never leaves a truncated file under the final name: data goes to a
// temporary file in the same folder, which is synced and renamed at the end.
package atomicfile

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/calibkit/calibkit/internal/filehash"
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
	// with RecordSHA256: the hash of what was written, and whether it
	// still is the file's (false after a Seek, WriteAt or Truncate)
	h      hash.Hash
	inSync bool
	sum    string
}

// Option configures Create.
type Option func(*File)

// RecordSHA256 makes the File hash what is written as it passes and, on
// Commit, record the sum in calibkit's hash cache (internal/filehash)
// under the final name, so that a manifest, a study or an upload that
// names the file does not read it again. Writes go through the hash
// (ReadFrom too, which then copies instead of letting the kernel move the
// data); a Seek, WriteAt or Truncate makes the File forget the hash and
// record nothing. Commit makes the sum available as SHA256.
func RecordSHA256() Option {
	return func(f *File) { f.h, f.inSync = sha256.New(), true }
}

// Create starts writing the file that will appear as path on Commit.
func Create(path string, opts ...Option) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create output %s: %w%s", path, err, folderAdvice(dir, err))
	}
	af := &File{File: f, final: path}
	for _, o := range opts {
		o(af)
	}
	return af, nil
}

// Write writes b (and hashes it with RecordSHA256).
func (f *File) Write(b []byte) (int, error) {
	n, err := f.File.Write(b)
	if f.h != nil {
		f.h.Write(b[:n])
	}
	return n, err
}

// WriteString writes s (and hashes it with RecordSHA256).
func (f *File) WriteString(s string) (int, error) {
	if f.h == nil {
		return f.File.WriteString(s)
	}
	return f.Write([]byte(s))
}

// ReadFrom copies r to the file (through the hash with RecordSHA256).
func (f *File) ReadFrom(r io.Reader) (int64, error) {
	if f.h == nil {
		return f.File.ReadFrom(r)
	}
	return io.CopyBuffer(writerOnly{f}, r, make([]byte, 256<<10))
}

type writerOnly struct{ io.Writer }

// WriteAt writes at off; with RecordSHA256 nothing is recorded then.
func (f *File) WriteAt(b []byte, off int64) (int, error) {
	f.inSync = false
	return f.File.WriteAt(b, off)
}

// Seek moves the offset; with RecordSHA256 nothing is recorded then
// (but for Seek(0, io.SeekCurrent), which only asks where it is).
func (f *File) Seek(off int64, whence int) (int64, error) {
	if off != 0 || whence != io.SeekCurrent {
		f.inSync = false
	}
	return f.File.Seek(off, whence)
}

// Truncate changes the size; with RecordSHA256 nothing is recorded then.
func (f *File) Truncate(size int64) error {
	f.inSync = false
	return f.File.Truncate(size)
}

// SHA256 returns the sum RecordSHA256 recorded on Commit ("" without it,
// before Commit, or when the file was written out of order).
func (f *File) SHA256() string { return f.sum }

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
	if f.h != nil && f.inSync {
		f.sum = hex.EncodeToString(f.h.Sum(nil))
		filehash.Remember(f.final, f.sum)
	}
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

// folderAdvice says what to do when the output's folder cannot take a new
// file: create it, or write elsewhere.
func folderAdvice(dir string, err error) string {
	dir = filepath.Clean(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("; folder %s does not exist: create it first, or give another output path", dir)
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Sprintf("; %s is not a folder: give another output path", dir)
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS):
		return fmt.Sprintf("; folder %s is not writable: give another output path, or change its permissions", dir)
	}
	return ""
}
