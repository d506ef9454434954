package democmd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/progress"
	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/sample"
	"github.com/calibkit/calibkit/train"
)

// ModelCacheEnv names the folder where the demo keeps its trained model
// between runs ("off": none).
const ModelCacheEnv = "CALIBKIT_MODEL_CACHE"

// DefaultModelCache is $CALIBKIT_MODEL_CACHE, else the user's cache folder
// (~/.cache/calibkit/models on Linux); a test binary has none unless the
// variable names one, so that go test leaves nothing in the user's cache.
func DefaultModelCache() string {
	if d := os.Getenv(ModelCacheEnv); d != "" {
		if d == "off" {
			return ""
		}
		return d
	}
	if testing.Testing() {
		return ""
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "calibkit", "models")
}

// trainedModel writes the bundled Japanese and English Wikipedia articles
// as training, calibration and eval texts (DIR/wiki, with their licence),
// and the bundled conversations as training and eval records, the training
// ones rendered with the demo model's chat template (train.DemoTexts), and
// trains the demo's model on the training texts, or takes it from the
// model cache when it was trained there before on the same texts and
// settings. Keys: "model", "wiki.train-ja", "wiki.calib-en",
// "wiki.eval-chat.jsonl", ...
func trainedModel(ctx context.Context, s *State) error {
	wikiDir := filepath.Join(s.Dir, "wiki")
	texts, err := train.DemoTexts(ctx, wikiDir)
	if err != nil {
		return err
	}
	for src, dst := range map[string]string{"wiki/README.md": "README.md", "chat/README.md": "README-chat.md"} {
		if err := copySampleFile(src, filepath.Join(wikiDir, dst)); err != nil {
			return err
		}
	}
	for k, p := range texts {
		s.Files["wiki."+k] = p
	}
	o := train.Demo(train.DemoInputs(texts))
	o.Threads = s.Threads
	out := filepath.Join(s.Dir, "model", "ja-en.gguf")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	bar := progress.New(ctx, s.IO)
	o.Progress = func(p train.Progress) { bar.Training("model train", p.Step, p.Steps, p.Tokens, p.Loss) }
	from := ""
	if s.ModelCache != "" {
		path, _, hit, err := train.Cached(ctx, s.ModelCache, o)
		bar.Finish(err == nil)
		if err != nil {
			return err
		}
		if hit {
			from = path
		}
		for _, p := range []string{path, manifest.Path(path)} {
			if err := copyFile(p, filepath.Join(filepath.Dir(out), filepath.Base(out)+p[len(path):])); err != nil {
				return err
			}
		}
	} else {
		o.Output = out
		_, err := train.Run(ctx, o)
		bar.Finish(err == nil)
		if err != nil {
			return err
		}
	}
	m, err := manifest.Read(manifest.Path(out))
	if err != nil {
		return err
	}
	s.Files["model"] = out
	fmt.Fprintf(s.IO.Out, "      %s: llama architecture, %d layers, %d wide, %.2f M parameters, SPM vocabulary of %d learned from the text\n",
		s.rel(out), o.Model.Layers, o.Model.Embd, toFloat(m.Counts["parameters"])/1e6, o.Model.VocabSize)
	fmt.Fprintf(s.IO.Out, "      chat template: ChatML (tokenizer.chat_template), turn markers %s as control tokens, trained on %s\n",
		strings.Join(o.Model.Special, " and "), s.rel(texts["train-chat"]))
	if from != "" {
		fmt.Fprintf(s.IO.Out, "      from the model cache (%s): trained before on the same texts and settings\n", from)
	}
	fmt.Fprintf(s.IO.Out, "      %.0f steps of %d tokens, %.0f tokens in all, %.0f tokens/s, %.0fs\n",
		toFloat(m.Parameters["steps"]), o.Window, toFloat(m.Counts["tokens"]), toFloat(m.Counts["tokens_per_second"]), toFloat(m.Counts["seconds"]))
	if files, ok := m.Counts["files"].([]any); ok {
		for _, f := range files {
			if fm, ok := f.(map[string]any); ok {
				fmt.Fprintf(s.IO.Out, "      %s: held-out perplexity %.0f before training, %.0f after\n",
					filepath.Base(fmt.Sprint(fm["path"])), toFloat(fm["held_out_ppl_before"]), toFloat(fm["held_out_ppl_after"]))
			}
		}
	}
	fmt.Fprintf(s.IO.Out, "      eval and calibration articles, never trained on: %s, %s, %s, %s\n",
		s.rel(texts["eval-ja"]), s.rel(texts["eval-en"]), s.rel(texts["calib-ja"]), s.rel(texts["calib-en"]))
	return nil
}

func toFloat(v any) float64 {
	if f, ok := v.(float64); ok {
		return f
	}
	return 0
}

// copySampleFile writes the embedded sample file name (a README with the
// bundled texts' sources and licences) to dst, beside the texts made from
// them.
func copySampleFile(name, dst string) error {
	b, err := fs.ReadFile(sample.FS(), name)
	if err != nil {
		return err
	}
	_, err = atomicfile.WriteFile(dst, bytes.NewReader(b))
	return err
}

func copyFile(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = atomicfile.WriteFile(dst, io.Reader(f))
	return err
}
