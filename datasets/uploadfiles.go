package datasets

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/calibkit/calibkit/internal/filehash"
)

// UploadFile is one local file and the path it gets in the repository.
type UploadFile struct {
	Local      string `json:"local"`
	PathInRepo string `json:"path"`
}

// CollectUploadFiles turns upload arguments into files: a file goes to
// the repository root under its base name, a folder's files go under
// their paths relative to that folder (as `huggingface-cli upload REPO
// DIR` does). Inside a folder, .git/ and .cache/huggingface/ are left out
// as huggingface_hub leaves them out; a symbolic link is followed only
// while it stays inside the folder, and one that leads out of it is an
// error, as is a name that two arguments would both give.
func CollectUploadFiles(paths []string) ([]UploadFile, error) {
	var out []UploadFile
	seen := map[string]string{}
	add := func(local, inRepo string) error {
		if err := ValidateRepoPath(inRepo); err != nil {
			return fmt.Errorf("upload %s: %w", local, err)
		}
		if prev, dup := seen[inRepo]; dup {
			return fmt.Errorf("upload: %s and %s would both become %s in the repository", prev, local, inRepo)
		}
		seen[inRepo] = local
		out = append(out, UploadFile{Local: local, PathInRepo: inRepo})
		return nil
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("upload: %w", err)
		}
		if !fi.IsDir() {
			if !fi.Mode().IsRegular() {
				return nil, fmt.Errorf("upload %s: not a regular file", p)
			}
			if err := add(p, filepath.Base(p)); err != nil {
				return nil, err
			}
			continue
		}
		files, err := walkUploadDir(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if err := add(f.Local, f.PathInRepo); err != nil {
				return nil, err
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("upload: no files to upload")
	}
	return out, nil
}

// walkUploadDir lists the files under root, refusing links that lead out.
func walkUploadDir(root string) ([]UploadFile, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("upload %s: %w", root, err)
	}
	realRoot, err = filepath.Abs(realRoot)
	if err != nil {
		return nil, err
	}
	var out []UploadFile
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("upload %s: %w", p, err)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		slash := filepath.ToSlash(rel)
		if d.IsDir() {
			if d.Name() == ".git" || slash == ".cache/huggingface" {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			target, err := filepath.EvalSymlinks(p)
			if err != nil {
				return fmt.Errorf("upload %s: broken link: %w", p, err)
			}
			abs, _ := filepath.Abs(target)
			if r, err := filepath.Rel(realRoot, abs); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
				return fmt.Errorf("upload %s: the link leads to %s, outside the folder being uploaded (%s); copy the file in instead", p, target, root)
			}
			fi, err := os.Stat(p)
			if err != nil {
				return fmt.Errorf("upload %s: %w", p, err)
			}
			if fi.IsDir() {
				return fmt.Errorf("upload %s: a link to a folder; upload that folder itself", p)
			}
		} else if !d.Type().IsRegular() {
			return fmt.Errorf("upload %s: not a regular file", p)
		}
		out = append(out, UploadFile{Local: p, PathInRepo: slash})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PathInRepo < out[j].PathInRepo })
	return out, nil
}

// uploadInfo is huggingface_hub's UploadInfo (sha256, size, first 512
// bytes) plus the git blob id, for a small file, to tell unchanged files.
type uploadInfo struct {
	size   int64
	sha256 string
	sample []byte
	gitOID string // files under gitOIDLimit only
	// cached: the hashes came from the hash cache, not from reading
	cached bool
}

// gitOIDLimit: files this small also get their git blob id (regular files
// on the Hub are at most 10 MB).
const gitOIDLimit = 10 << 20

// hashUploadFile measures f, taking its hashes from cache when the file
// has not changed since they were recorded (by an earlier upload, or by
// the calibkit command that wrote it), and recording them otherwise.
func hashUploadFile(ctx context.Context, f UploadFile, cache filehash.Cache) (uploadInfo, error) {
	fh, err := os.Open(f.Local)
	if err != nil {
		return uploadInfo{}, fmt.Errorf("upload: %w", err)
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return uploadInfo{}, fmt.Errorf("upload: %w", err)
	}
	info := uploadInfo{size: fi.Size()}
	sample := make([]byte, 512)
	n, err := io.ReadFull(fh, sample)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return uploadInfo{}, fmt.Errorf("upload: read %s: %w", f.Local, err)
	}
	info.sample = sample[:n]
	if r, ok := cache.Lookup(f.Local, fi); ok && (r.GitOID != "" || info.size >= gitOIDLimit) {
		info.sha256, info.gitOID, info.cached = r.SHA256, r.GitOID, true
		return info, nil
	}
	h := sha256.New()
	ws := []io.Writer{h}
	g := sha1.New()
	if info.size < gitOIDLimit {
		fmt.Fprintf(g, "blob %d\x00", info.size)
		ws = append(ws, g)
	}
	for _, w := range ws {
		w.Write(info.sample)
	}
	m, err := filehash.Copy(ctx, fh, ws...)
	if err != nil {
		return uploadInfo{}, fmt.Errorf("upload: read %s: %w", f.Local, err)
	}
	if int64(n)+m != info.size {
		return uploadInfo{}, fmt.Errorf("upload: %s changed size while it was read (%d bytes, then %d)", f.Local, info.size, int64(n)+m)
	}
	info.sha256 = hex.EncodeToString(h.Sum(nil))
	if info.size < gitOIDLimit {
		info.gitOID = hex.EncodeToString(g.Sum(nil))
	}
	cache.Store(f.Local, fi, info.sha256, info.gitOID)
	return info, nil
}
