package quantize

import (
	"os"
	"path/filepath"
	"regexp"

	"github.com/calibkit/calibkit/internal/manifest"
)

var sha256Name = regexp.MustCompile(`^[0-9a-f]{64}$`)

// hashInput returns the manifest entry of an input file and how its sha256
// was obtained. A file that resolves to a blob of huggingface_hub's cache
// (…/blobs/<sha256>, the layout Git LFS files are stored under) is already
// named by its sha256, which is reused without reading the file again;
// otherwise the file is hashed. Hashing runs before llama.cpp starts, so it
// never competes with the quantizing threads, and it leaves the model in
// the page cache that llama.cpp's mmap then reads from.
func hashInput(path string) (manifest.Input, string, error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		base, dir := filepath.Base(real), filepath.Base(filepath.Dir(real))
		if dir == "blobs" && sha256Name.MatchString(base) {
			if st, err := os.Stat(real); err == nil {
				return manifest.Input{Path: path, Bytes: st.Size(), SHA256: base}, "huggingface-cache-blob-name", nil
			}
		}
	}
	in, err := manifest.HashFile(path)
	return in, "hashed", err
}
