package imatrix

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// quantizeLoader builds testdata/quantize/load_imatrix.cpp, llama-quantize's
// imatrix loading as a small program, against ggml's GGUF parser from the
// pinned llama.cpp (vendored in the ollama module). It skips the test when
// no C/C++ compiler or module source is at hand, and fails when the fixture
// does not build.
func quantizeLoader(t *testing.T) string {
	t.Helper()
	var quantizeBin, quantizeSkip string
	dir := t.TempDir()
	func() {
		for _, tool := range []string{"gcc", "g++"} {
			if _, err := exec.LookPath(tool); err != nil {
				quantizeSkip = tool + " not found"
				return
			}
		}
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/ollama/ollama").Output()
		if err != nil {
			quantizeSkip = "ollama module source not found: " + err.Error()
			return
		}
		ggml := filepath.Join(strings.TrimSpace(string(out)), "ml", "backend", "ggml", "ggml")
		inc := []string{"-w", "-O1", "-I" + filepath.Join(ggml, "include"), "-I" + filepath.Join(ggml, "src")}
		src := func(f string) string { return filepath.Join(ggml, "src", f) }
		bin := filepath.Join(dir, "load_imatrix")
		steps := [][]string{
			append([]string{"gcc", "-c", "-DGGML_VERSION=\"test\"", "-DGGML_COMMIT=\"test\"", "-o", filepath.Join(dir, "ggml.o"), src("ggml.c")}, inc...),
			append([]string{"gcc", "-c", "-o", filepath.Join(dir, "quants.o"), src("ggml-quants.c")}, inc...),
			append([]string{"g++", "-std=c++17", "-o", bin, filepath.Join("testdata", "quantize", "load_imatrix.cpp"),
				src("gguf.cpp"), src("ggml.cpp"), src("ggml-threading.cpp"), filepath.Join(dir, "ggml.o"), filepath.Join(dir, "quants.o"),
				"-lm", "-lpthread"}, inc...),
		}
		for _, s := range steps {
			if msg, err := exec.Command(s[0], s[1:]...).CombinedOutput(); err != nil {
				// The tools are there: a build error is a broken fixture, not a reason to skip.
				t.Fatalf("building the loader failed: %v\n%s", err, msg)
			}
		}
		quantizeBin = bin
	}()
	if quantizeBin == "" {
		t.Skip(quantizeSkip)
	}
	return quantizeBin
}

type quantizeView struct {
	datasets []string
	chunks   int
	values   map[string][]float32
}

func runQuantizeLoader(t *testing.T, loader, path string) quantizeView {
	t.Helper()
	cmd := exec.Command(loader, path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("llama-quantize's loader refused %s: %v\n%s", path, err, stderr.String())
	}
	v := quantizeView{values: map[string][]float32{}}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), " ", 3)
		switch f[0] {
		case "dataset":
			v.datasets = append(v.datasets, strings.TrimPrefix(sc.Text(), "dataset "))
		case "chunks":
			v.chunks, _ = strconv.Atoi(f[1])
		case "entry":
			if !sc.Scan() {
				t.Fatal("truncated loader output")
			}
			var vals []float32
			for _, s := range strings.Fields(sc.Text()) {
				x, err := strconv.ParseFloat(s, 32)
				if err != nil {
					t.Fatal(err)
				}
				vals = append(vals, float32(x))
			}
			v.values[f[1]] = vals
		}
	}
	return v
}

// TestLlamaCppInterop builds llama.cpp's loaders and writers once (restated
// over ggml's own GGUF code) and checks our files against them.
func TestLlamaCppInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("builds ggml's GGUF parser")
	}
	loader := quantizeLoader(t)
	t.Run("llama-quantize loads our files", func(t *testing.T) { testQuantizeLoads(t, loader) })
	t.Run("same bytes as llama-imatrix", func(t *testing.T) { testSameBytes(t, loader) })
}

// testQuantizeLoads writes GGUF and .dat files and checks what
// llama-quantize's loader, on ggml's own GGUF parser, makes of them: the
// mean squares (1 for experts without data), the datasets and the chunks.
func testQuantizeLoads(t *testing.T, loader string) {
	d := synthData(11, 3, []weightSpec{{"attn_q", 48, 1}, {"ffn_down_exps", 16, 4}}, true)
	d.Entries[1].Counts[2] = 0
	d.Entries[0].Counts[0] = 1000 // not a multiple of the chunk size
	d.Datasets = []string{"ja.txt", "en.txt"}
	dir := t.TempDir()
	for _, f := range []Format{FormatGGUF, FormatDat} {
		path := filepath.Join(dir, "imatrix."+f.String())
		if err := WriteFile(path, d, f); err != nil {
			t.Fatal(err)
		}
		v := runQuantizeLoader(t, loader, path)
		wantDatasets := d.Datasets
		if f == FormatDat {
			wantDatasets = d.Datasets[1:] // the .dat format keeps the last one
		}
		if strings.Join(v.datasets, "|") != strings.Join(wantDatasets, "|") || v.chunks != d.ChunkCount {
			t.Errorf("%v: datasets %q chunks %d", f, v.datasets, v.chunks)
		}
		if len(v.values) != len(d.Entries) {
			t.Fatalf("%v: %d entries loaded, want %d", f, len(v.values), len(d.Entries))
		}
		for _, e := range d.Entries {
			got := v.values[e.Name]
			if len(got) != len(e.Sums) {
				t.Fatalf("%v %s: %d values, want %d", f, e.Name, len(got), len(e.Sums))
			}
			for i, s := range e.Sums {
				c := e.Counts[i/e.Cols]
				want := float32(1)
				if c > 0 {
					want = s / float32(c)
				}
				if f == FormatGGUF && got[i] != want {
					t.Fatalf("gguf %s[%d]: %v, want exactly %v", e.Name, i, got[i], want)
				}
				if math.Abs(float64(got[i]-want)) > 1e-6*float64(want) {
					t.Fatalf("%v %s[%d]: %v, want %v", f, e.Name, i, got[i], want)
				}
			}
		}
	}
}

// testSameBytes has llama-imatrix's writers (restated over ggml's GGUF
// writer) save what they load from our file, and compares: the GGUF and the
// .dat must be byte for byte ours, and ReadGGUF must read their GGUF back
// to the same data.
func testSameBytes(t *testing.T, loader string) {
	for _, act := range []bool{false, true} {
		d := synthData(13, 3, []weightSpec{{"attn_q", 40, 1}, {"ffn_down_exps", 16, 4}}, act)
		d.Entries[1].Counts[2] = 0
		d.Entries[0].Counts[0] = 1000
		d.Datasets = []string{"ja.txt", "en.txt"}
		maxCount := int64(0)
		for _, e := range d.Entries {
			for _, c := range e.Counts {
				maxCount = max(maxCount, c)
			}
		}
		d.ChunkCount = int(maxCount) / d.ChunkSize // what llama-imatrix recomputes on loading
		dir := t.TempDir()
		ours := filepath.Join(dir, "ours.gguf")
		if err := WriteFile(ours, d, FormatGGUF); err != nil {
			t.Fatal(err)
		}
		theirs, theirsDat := filepath.Join(dir, "theirs.gguf"), filepath.Join(dir, "theirs.dat")
		if out, err := exec.Command(loader, "resave", ours, theirs, theirsDat).CombinedOutput(); err != nil {
			t.Fatalf("resave: %v\n%s", err, out)
		}
		a, _ := os.ReadFile(ours)
		b, _ := os.ReadFile(theirs)
		if !bytes.Equal(a, b) {
			t.Errorf("activations=%v: our GGUF (%d bytes) differs from llama-imatrix's (%d bytes) at byte %d", act, len(a), len(b), firstDiff(a, b))
		}
		ourDat := writeBytes(t, d, FormatDat)
		theirDat, _ := os.ReadFile(theirsDat)
		if !bytes.Equal(ourDat, theirDat) {
			t.Errorf("activations=%v: our .dat (%d bytes) differs from llama-imatrix's (%d bytes) at byte %d", act, len(ourDat), len(theirDat), firstDiff(ourDat, theirDat))
		}
		back, err := ReadFile(theirs)
		if err != nil {
			t.Fatal(err)
		}
		equalData(t, back, d)
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
