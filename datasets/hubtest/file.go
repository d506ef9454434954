package hubtest

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// File is one file of a repository revision.
type File struct {
	Path   string
	Size   int64
	SHA256 string // content sha256
	GitOID string // git blob id of the content
	LFS    bool
	// Open returns the content.
	Open func() (io.ReadSeekCloser, error)
}

// Bytes returns a File holding data.
func Bytes(path string, data []byte, lfs bool) File {
	s := sha256.Sum256(data)
	return File{
		Path: path, Size: int64(len(data)), SHA256: hex.EncodeToString(s[:]),
		GitOID: GitOID(data), LFS: lfs,
		Open: func() (io.ReadSeekCloser, error) { return nopCloser{bytes.NewReader(data)}, nil },
	}
}

// DiskFile returns an LFS File served from a file on disk, hashing it once.
func DiskFile(path, diskPath string) (File, error) {
	f, err := os.Open(diskPath)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{
		Path: path, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), LFS: true,
		Open: func() (io.ReadSeekCloser, error) { return os.Open(diskPath) },
	}, nil
}

type nopCloser struct{ io.ReadSeeker }

func (nopCloser) Close() error { return nil }

// GitOID is git's blob id of data: sha1("blob <len>\0" + data).
func GitOID(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// Commit returns the fake commit hash of a revision.
func Commit(repo, revision string) string {
	s := sha1.Sum([]byte(repo + "@" + revision))
	return hex.EncodeToString(s[:])
}

// Content returns the bytes of a served file.
func (f File) Content() ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
