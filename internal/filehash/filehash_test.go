package filehash

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSHA256(t *testing.T) {
	dir := t.TempDir()
	data := []byte("model bytes")
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	plain := filepath.Join(dir, "plain.gguf")
	os.WriteFile(plain, data, 0o644)

	// a Hugging Face cache: the blob is named by a (here deliberately
	// different) sha256, which is taken without reading
	blobs := filepath.Join(dir, "hub", "models--org--name", "blobs")
	snap := filepath.Join(dir, "hub", "models--org--name", "snapshots", "abc")
	os.MkdirAll(blobs, 0o755)
	os.MkdirAll(snap, 0o755)
	named := strings.Repeat("ab", 32)
	os.WriteFile(filepath.Join(blobs, named), data, 0o644)
	link := filepath.Join(snap, "model.gguf")
	if err := os.Symlink(filepath.Join("..", "..", "blobs", named), link); err != nil {
		t.Fatal(err)
	}
	// a git-hashed blob (40 hex) is read
	gitBlob := filepath.Join(blobs, strings.Repeat("c", 40))
	os.WriteFile(gitBlob, data, 0o644)

	tests := []struct {
		path, want string
		fromName   bool
	}{
		{plain, want, false},
		{link, named, true},
		{filepath.Join(blobs, named), named, true},
		{gitBlob, want, false},
	}
	for _, tt := range tests {
		got, err := SHA256(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got.SHA256 != tt.want || got.FromName != tt.fromName || got.Bytes != int64(len(data)) {
			t.Errorf("%s: %+v, want %s (from name %v)", tt.path, got, tt.want, tt.fromName)
		}
	}
	if _, err := SHA256(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing file: %v", err)
	}
}

func TestCopy(t *testing.T) {
	data := make([]byte, 3*copyBufSize+17)
	for i := range data {
		data[i] = byte(i * 7)
	}
	cases := []struct {
		name    string
		cancel  bool
		wantErr bool
	}{
		{"to the end", false, false},
		{"cancelled", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			if tc.cancel {
				cancel()
			} else {
				defer cancel()
			}
			a, b := sha256.New(), sha256.New()
			n, err := Copy(ctx, bytes.NewReader(data), a, b)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v", err)
			}
			if tc.wantErr {
				return
			}
			want := sha256.Sum256(data)
			if n != int64(len(data)) || !bytes.Equal(a.Sum(nil), want[:]) || !bytes.Equal(b.Sum(nil), want[:]) {
				t.Errorf("copied %d bytes, sums differ", n)
			}
		})
	}
}
