package atomicfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/calibkit/calibkit/internal/filehash"
)

func TestRecordSHA256(t *testing.T) {
	content := bytes.Repeat([]byte("0123456789abcdef"), filehash.DefaultMinBytes/16+5)
	s := sha256.Sum256(content)
	want := hex.EncodeToString(s[:])
	cases := []struct {
		name     string
		write    func(f *File) error
		recorded bool
	}{
		{"Write", func(f *File) error { _, err := f.Write(content); return err }, true},
		{"WriteString in pieces", func(f *File) error {
			f.WriteString(string(content[:1000]))
			_, err := f.WriteString(string(content[1000:]))
			return err
		}, true},
		{"io.Copy (ReadFrom)", func(f *File) error { _, err := io.Copy(f, bytes.NewReader(content)); return err }, true},
		{"asks where it is", func(f *File) error {
			f.Write(content[:10])
			f.Seek(0, io.SeekCurrent)
			_, err := f.Write(content[10:])
			return err
		}, true},
		{"seeks back and rewrites", func(f *File) error {
			f.Write(content)
			f.Seek(0, io.SeekStart)
			_, err := f.Write(content[:4])
			return err
		}, false},
		{"WriteAt", func(f *File) error {
			f.Write(content)
			_, err := f.WriteAt(content[:4], 0)
			return err
		}, false},
		{"Truncate", func(f *File) error {
			f.Write(content)
			return f.Truncate(int64(len(content)))
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv(filehash.CacheEnv, filepath.Join(dir, "hashes"))
			p := filepath.Join(dir, "out.txt")
			f, err := Create(p, RecordSHA256())
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.write(f); err != nil {
				t.Fatal(err)
			}
			if err := f.Commit(); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(p)
			if !bytes.Equal(b, content) {
				t.Fatal("content differs")
			}
			r, ok := filehash.DefaultCache().Lookup(p, nil)
			if ok != tc.recorded || (ok && r.SHA256 != want) || (tc.recorded && f.SHA256() != want) || (!tc.recorded && f.SHA256() != "") {
				t.Errorf("recorded %v %s, SHA256() %q; want recorded %v %s", ok, r.SHA256, f.SHA256(), tc.recorded, want)
			}
		})
	}
	// without the option, and on Abort, nothing is recorded
	dir := t.TempDir()
	t.Setenv(filehash.CacheEnv, filepath.Join(dir, "hashes"))
	for _, opts := range [][]Option{nil, {RecordSHA256()}} {
		p := filepath.Join(dir, "plain.txt")
		f, _ := Create(p, opts...)
		io.Copy(f, bytes.NewReader(content))
		if opts == nil {
			f.Commit()
		} else {
			f.Abort()
		}
		if _, ok := filehash.DefaultCache().Lookup(p, nil); ok {
			t.Errorf("options %d: recorded", len(opts))
		}
	}
}
