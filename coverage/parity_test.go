package coverage

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/llamacpptest"
	"github.com/calibkit/calibkit/internal/synth"
)

// TestParityLlamaImatrixTokens checks the token count of each test text
// against llama-imatrix's own ($CALIBKIT_LLAMA_CPP): given a context larger
// than the text, it stops after tokenizing and prints how many tokens the
// file gave. llama-imatrix adds BOS as the vocabulary asks and, reading -f,
// drops the file's final newline; coverage counts neither BOS nor removes
// the newline, so the expected count is derived with the linked tokenizer.
func TestParityLlamaImatrixTokens(t *testing.T) {
	bin := llamacpptest.Tool(t, "llama-imatrix")
	count := regexp.MustCompile(`tokenizes to only (\d+) tokens`)
	for _, kind := range []string{synth.VocabSPM, synth.VocabBPE} {
		t.Run(kind, func(t *testing.T) {
			model := testModel(t, kind)
			_, paths := writeTexts(t)
			res, err := Run(context.Background(), Options{Model: model, Files: paths})
			if err != nil {
				t.Fatal(err)
			}
			m, err := llama.LoadModel(model, llama.ModelParams{VocabOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			for i, path := range paths {
				text := texts[filepath.Base(path)]
				full, err1 := m.Tokenize(text, false, false)
				cut, err2 := m.Tokenize(strings.TrimSuffix(text, "\n"), false, false)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				want := res.Files[i].Tokens - int64(len(full)-len(cut))
				if m.AddBOS() {
					want++
				}
				var got []byte
				// llama.cpp's asynchronous logger now and then loses the end
				// of the output at exit: try up to five times
				for try := 0; try < 5 && got == nil; try++ {
					var out bytes.Buffer
					cmd := exec.Command(bin, "-m", model, "-f", path, "-c", "65536", "-t", "1", "-o", filepath.Join(t.TempDir(), "x.gguf"))
					cmd.Stdout, cmd.Stderr = &out, &out
					_ = cmd.Run() // it fails: the text is too short, as intended
					if mm := count.FindSubmatch(out.Bytes()); mm != nil {
						got = mm[1]
					}
				}
				if got == nil {
					t.Fatalf("%s: llama-imatrix printed no token count", path)
				}
				n, _ := strconv.ParseInt(string(got), 10, 64)
				if n != want {
					t.Errorf("%s: llama-imatrix counts %d tokens, coverage %d (expected %d from it)", filepath.Base(path), n, res.Files[i].Tokens, want)
				}
				t.Logf("%s: llama-imatrix %d tokens, coverage %d", filepath.Base(path), n, res.Files[i].Tokens)
			}
		})
	}
}
