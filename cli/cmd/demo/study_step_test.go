package democmd

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/study/results"
	"github.com/calibkit/calibkit/study/spec"
	"github.com/calibkit/calibkit/train/traintest"
)

// TestDemoStudyGrid runs the whole demo on its trained model (taken from
// the test binaries' shared model cache, trained there on first use): the
// grid, the records, the charts, the table and the words that say what it
// shows, with the effects the model really has.
func TestDemoStudyGrid(t *testing.T) {
	io, _, out, _ := iostreams.Test()
	dir := filepath.Join(t.TempDir(), "demo")
	traintest.Model(t) // trained once for every test binary
	if err := demoRun(context.Background(), &Options{IO: io, Dir: dir, Workers: 2, Threads: 1, ModelCache: traintest.CacheDir()}, Steps()); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	// The spec it used is there to edit and rerun, and plans the same grid.
	s, err := spec.Load(filepath.Join(dir, "study", "study.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Imatrix)*len(s.Variants)*len(s.Eval) != 12 {
		t.Errorf("spec grid %d × %d × %d", len(s.Imatrix), len(s.Variants), len(s.Eval))
	}
	recs, skipped, err := results.Read(filepath.Join(dir, "study", results.FileName))
	if err != nil || skipped != 0 || len(recs) != 18 {
		t.Fatalf("%d records, %d skipped, %v", len(recs), skipped, err)
	}
	for _, r := range recs {
		if r.TaskScore != nil {
			if r.Task != "next-words" || r.TaskScore.Scored != demoTaskCount || len(r.TaskScore.Items) != demoTaskCount {
				t.Errorf("%s: %+v", r.Cell, r.TaskScore)
			}
			continue
		}
		if r.PPL <= 1 || r.PPL > 1000 || len(r.ChunkNLL) < 20 || len(r.ChunkKLD) != len(r.ChunkNLL) || !strings.HasPrefix(r.Engine, "linked:") {
			t.Errorf("%s: PPL %v, %d chunks, %d chunk KLDs, engine %s", r.Cell, r.PPL, len(r.ChunkNLL), len(r.ChunkKLD), r.Engine)
		}
	}
	// Every imatrix lowers mean KLD against none, beyond the noise.
	kcmp := results.CompareKLD(recs)
	for _, r := range recs {
		if p, ok := kcmp[r.Cell]; ok && !(p.Significant() && p.Hi < 1) {
			t.Errorf("%s: mean KLD against none %s, want an interval below 1", r.Cell, p)
		}
	}
	for _, f := range []string{"results.md", "chart-en.png", "chart-ja.png", "chart-paired-kld-ja.png", "chart-paired-ppl-en.png", "chart-task-next-words.png", "next-words.mc"} {
		if _, err := os.Stat(filepath.Join(dir, "study", f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "wiki", "README.md")); err != nil {
		t.Errorf("the texts' licence and sources: %v", err)
	}
	text := out.String()
	// The held-out conversations, rendered with the model's own template:
	// chat-formatted, its markers single control tokens.
	cb, err := os.ReadFile(filepath.Join(dir, "chat", "eval-chat.txt"))
	if err != nil || !strings.HasPrefix(string(cb), "<|im_start|>user\n") || strings.Count(string(cb), "<|im_end|>\n") < 2*12 {
		t.Errorf("chat text %.80q, %v", cb, err)
	}
	if special, err := manifest.SpecialTokensOf(filepath.Join(dir, "chat", "eval-chat.txt")); err != nil || !special {
		t.Errorf("chat text's manifest: special tokens %v, %v", special, err)
	}
	for _, want := range []string{"[6/9] a bilingual model", "held-out perplexity", "train-chat.txt: held-out perplexity",
		"[7/9] chat-formatted text", "12 held-out conversations", "model/ja-en.gguf tokenizer.chat_template", "one token each", "parse_special on",
		"[9/9] study:", "IQ3_S    ja      ja", "(baseline)", "×", "*",
		"What the table shows:", "Q2_K on Japanese text, the Japanese imatrix against the English one: mean KLD", "a real difference",
		"spec: study/study.yaml", "chart: study/chart-paired-kld-ja.png", "next-words", "McNemar"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestDemoStudyNeedsInputs(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	err := demoRun(context.Background(), &Options{IO: io, Dir: t.TempDir(), Workers: 1}, []Step{{Name: "study", Run: studyGrid}})
	if err == nil || !strings.Contains(err.Error(), "must run first") {
		t.Errorf("error %v", err)
	}
}
