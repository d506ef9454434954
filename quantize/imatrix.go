package quantize

import (
	"fmt"
	"os"
	"strings"

	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/llama"
)

// The metadata keys llama-quantize writes into a model quantized with an
// importance matrix.
const (
	KeyImatrixFile     = "quantize.imatrix.file"
	KeyImatrixDataset  = "quantize.imatrix.dataset"
	KeyImatrixEntries  = "quantize.imatrix.entries_count"
	KeyImatrixChunks   = "quantize.imatrix.chunks_count"
	maxOverrideStrings = 127 // llama_model_kv_override.val_str holds 127 bytes and a NUL
)

// Imatrix is an importance matrix as llama-quantize hands it to
// llama_model_quantize: per weight, the mean of the squared activations of
// each input column, expert after expert.
type Imatrix struct {
	// Path is the file as named on the command line.
	Path string
	// Format is the file's format (GGUF or legacy .dat).
	Format imatrix.Format
	// Values maps weight names to ne0 × n_experts values, after
	// --include-weights / --exclude-weights.
	Values map[string][]float32
	// All holds every entry of the file, before the filters (for the
	// checks against the model).
	All map[string][]float32
	// Datasets and Chunks are the file's metadata (Chunks 0 when a legacy
	// file does not record it).
	Datasets []string
	Chunks   int
}

// LoadImatrix reads an imatrix file and normalizes it exactly as
// llama-quantize's load_imatrix does (llama.cpp of May 2026 and the pinned
// ec98e2002 agree):
//
//   - GGUF: "<w>.in_sum2" [ne0, n_mat] divided, matrix j by matrix j, by
//     the float count "<w>.counts"[j]; a matrix with count 0 gets all ones.
//     The file must carry imatrix.datasets, imatrix.chunk_count and
//     imatrix.chunk_size, as llama-quantize requires.
//   - legacy .dat: every stored value divided by the entry's ncall when
//     ncall > 0, as stored otherwise.
//
// Then, as llama-quantize's prepare_imatrix: exclude drops every entry
// whose name contains one of its strings; include keeps only entries
// whose name contains one of its strings (giving both is an error).
func LoadImatrix(path string, include, exclude []string) (*Imatrix, error) {
	if len(include) > 0 && len(exclude) > 0 {
		return nil, &UsageError{Msg: "--include-weights and --exclude-weights cannot be used together"}
	}
	// chunk size 1: a .dat entry then reads back as sums = stored value and
	// count = ncall, exactly the numbers llama-quantize divides.
	d, format, err := imatrix.ReadFileFormat(path, 1)
	if err != nil {
		return nil, err
	}
	if format == imatrix.FormatGGUF {
		if err := requireImatrixMetadata(path); err != nil {
			return nil, err
		}
	}
	if len(d.Entries) == 0 {
		return nil, fmt.Errorf("imatrix %s: no data in the file", path)
	}
	im := &Imatrix{Path: path, Format: format, All: make(map[string][]float32, len(d.Entries)),
		Datasets: d.Datasets, Chunks: d.ChunkCount}
	for _, e := range d.Entries {
		im.All[e.Name] = normalize(e, format)
	}
	if format == imatrix.FormatDat && !datHasTrailer(path, d) {
		im.Chunks = 0 // llama-quantize reads no chunk count from such a file
	}
	im.Values = filterEntries(im.All, include, exclude)
	return im, nil
}

// datHasTrailer reports whether a legacy .dat file goes on after its
// entries (chunk count and dataset name, in files since early 2024).
func datHasTrailer(path string, d *imatrix.Data) bool {
	st, err := os.Stat(path)
	if err != nil {
		return true
	}
	n := int64(4)
	for _, e := range d.Entries {
		n += 4 + int64(len(e.Name)) + 4 + 4 + 4*int64(len(e.Sums))
	}
	return st.Size() > n
}

// normalize turns one entry's sums and counts into llama-quantize's values.
func normalize(e *imatrix.Entry, format imatrix.Format) []float32 {
	v := make([]float32, len(e.Sums))
	if format == imatrix.FormatDat {
		ncall := e.Counts[0] // read with chunk size 1: the stored ncall
		for i, s := range e.Sums {
			if ncall > 0 {
				v[i] = s / float32(ncall)
			} else {
				v[i] = s
			}
		}
		return v
	}
	for j, c := range e.Counts {
		count := float32(c)
		row := e.Sums[j*e.Cols : (j+1)*e.Cols]
		for i, s := range row {
			if count > 0 {
				v[j*e.Cols+i] = s / count
			} else {
				v[j*e.Cols+i] = 1
			}
		}
	}
	return v
}

// filterEntries applies --exclude-weights, then --include-weights, by
// substring, as llama-quantize's prepare_imatrix does.
func filterEntries(all map[string][]float32, include, exclude []string) map[string][]float32 {
	out := make(map[string][]float32, len(all))
	for name, v := range all {
		keep := len(include) == 0
		for _, s := range include {
			if strings.Contains(name, s) {
				keep = true
				break
			}
		}
		for _, s := range exclude {
			if strings.Contains(name, s) {
				keep = false
				break
			}
		}
		if keep {
			out[name] = v
		}
	}
	return out
}

func requireImatrixMetadata(path string) error {
	r, err := gguf.Open(path)
	if err != nil {
		return fmt.Errorf("read imatrix %s: %w", path, err)
	}
	defer r.Close()
	for _, k := range []string{imatrix.KeyDatasets, imatrix.KeyChunkCount, imatrix.KeyChunkSize} {
		if _, ok := r.Value(k); !ok {
			return fmt.Errorf("imatrix %s: missing metadata key %s, which llama-quantize requires (is it an imatrix written by llama-imatrix or calibkit imatrix?)", path, k)
		}
	}
	return nil
}

// Metadata returns the quantize.imatrix.* keys llama-quantize writes into
// the output for this imatrix: the file as named, the first dataset, the
// number of entries passed and, when known, the chunk count. Strings are
// cut at 127 bytes as llama-quantize's strncpy cuts them. None when the
// filters left no entries (llama-quantize then passes no imatrix).
func (im *Imatrix) Metadata() []llama.KVOverride {
	if im == nil || len(im.Values) == 0 {
		return nil
	}
	kv := []llama.KVOverride{{Key: KeyImatrixFile, Value: cut(im.Path)}}
	if len(im.Datasets) > 0 {
		kv = append(kv, llama.KVOverride{Key: KeyImatrixDataset, Value: cut(im.Datasets[0])})
	}
	kv = append(kv, llama.KVOverride{Key: KeyImatrixEntries, Value: int64(len(im.Values))})
	if im.Chunks > 0 {
		kv = append(kv, llama.KVOverride{Key: KeyImatrixChunks, Value: int64(im.Chunks)})
	}
	return kv
}

// cut shortens s to 127 bytes and at a NUL, as strncpy into val_str does.
func cut(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	if len(s) > maxOverrideStrings {
		s = s[:maxOverrideStrings]
	}
	return s
}
