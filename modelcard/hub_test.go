package modelcard

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/study/results"
)

// hfStudy rewrites a copy of the fixture's records as if its model had
// come from the Hub, and makes a Hugging Face cache holding that model's
// repository with (when card is not empty) its README.md.
func hfStudy(t *testing.T, card string) (dir, cache string) {
	t.Helper()
	dir = copyStudy(t, fixtureStudy(t))
	recs, _, err := results.Read(filepath.Join(dir, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		r.Model = "hf://someone/tiny-model-GGUF/tiny-f16.gguf"
	}
	os.Remove(filepath.Join(dir, results.FileName))
	if err := results.Append(context.Background(), filepath.Join(dir, results.FileName), recs...); err != nil {
		t.Fatal(err)
	}
	cache = t.TempDir()
	repo := filepath.Join(cache, "models--someone--tiny-model-GGUF")
	commit := strings.Repeat("ab", 20)
	snap := filepath.Join(repo, "snapshots", commit)
	os.MkdirAll(snap, 0o755)
	os.MkdirAll(filepath.Join(repo, "refs"), 0o755)
	os.WriteFile(filepath.Join(repo, "refs", "main"), []byte(commit), 0o644)
	os.WriteFile(filepath.Join(snap, "tiny-f16.gguf"), []byte("GGUF"), 0o644)
	if card != "" {
		os.WriteFile(filepath.Join(snap, "README.md"), []byte(card), 0o644)
	}
	return dir, cache
}

func TestHubBaseModel(t *testing.T) {
	tests := []struct {
		name, card, flag string
		wantLicense      string
		wantBody         string
	}{
		{"license from the base model's card", "---\nlicense: apache-2.0\nlanguage: [en]\n---\n# tiny\n", "", "apache-2.0", "License: `apache-2.0`, from the base model's card."},
		{"the flag wins", "---\nlicense: apache-2.0\n---\n", "mit", "mit", ""},
		{"no card in the cache", "", "", "unknown", "License: unknown"},
		{"a card without license", "---\ntags: [x]\n---\n", "", "unknown", "License: unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, cache := hfStudy(t, tt.card)
			out := filepath.Join(t.TempDir(), "README.md")
			res, err := Write(context.Background(), Options{Dir: dir, Output: out, License: tt.flag, HubCache: cache})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(out)
			h, body := splitCard(t, b)
			if h.BaseModel != "someone/tiny-model-GGUF" || h.BaseModelRelation != "quantized" || res.BaseModel != h.BaseModel {
				t.Errorf("base_model %q (%q)", h.BaseModel, h.BaseModelRelation)
			}
			if h.License != tt.wantLicense {
				t.Errorf("license %q, want %q", h.License, tt.wantLicense)
			}
			if strings.Contains(body, "Base model: unknown") {
				t.Error("the body says the base model is unknown")
			}
			if tt.wantBody != "" && !strings.Contains(body, tt.wantBody) {
				t.Errorf("the body lacks %q", tt.wantBody)
			}
			if !strings.Contains(body, "MODEL=$(huggingface-cli download someone/tiny-model-GGUF tiny-f16.gguf --revision main)") {
				t.Error("the commands do not fetch the model from the Hub")
			}
		})
	}
}

func TestParseCardLicense(t *testing.T) {
	for _, tt := range []struct{ card, want string }{
		{"---\nlicense: llama3.1\n---\n", "llama3.1"},
		{"---\nlicense: [mit]\n---\n", ""},
		{"---\nlicense: \"Not A License\"\n---\n", ""},
		{"# no front matter\nlicense: mit\n", ""},
		{"---\nlicense: mit\n", ""},
		{"---\n: : :\n---\n", ""},
	} {
		if got := ParseCardLicense([]byte(tt.card)); got != tt.want {
			t.Errorf("ParseCardLicense(%q) = %q, want %q", tt.card, got, tt.want)
		}
	}
}
